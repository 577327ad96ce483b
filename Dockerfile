# TTQ API image:  docker build -t ttq-api .   then   docker run ttq-api serve --host 0.0.0.0
# Two stages: the wheel (which carries the migrations) is built apart, so the runtime image
# holds only the installed package, no sources.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    TTQ_ENVIRONMENT=production
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin ttq \
    && mkdir -p /app/var && chown ttq:ttq /app/var
WORKDIR /app
USER ttq
EXPOSE 8000
ENTRYPOINT ["ttq"]
# `serve` applies pending migrations, then starts uvicorn.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
