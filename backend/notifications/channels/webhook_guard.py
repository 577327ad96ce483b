"""Where a webhook may point: public addresses only, checked at registration and at connect.

A webhook URL is chosen by a user, so without this check the worker is a proxy into the
deployment's own network (the database, the cloud metadata service at 169.254.169.254, an
admin port on loopback). Registration refuses addresses that are loopback, private, link-local,
unique-local, unspecified, reserved or multicast, however they are spelt (``2130706433``,
``0x7f.1``, ``[::ffff:127.0.0.1]``, ``localhost``). A name can resolve elsewhere later (DNS
rebinding), so the transport resolves it again at every connect, refuses a bad answer, and
connects to the address it checked (the name still goes in ``Host`` and TLS SNI).

``notify_webhook_allowed_hosts`` names the internal hosts a closed deployment (or a test with
its local receiver) may deliver to; nothing else bypasses the check.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
RESOLVE_TIMEOUT_SECONDS = 5.0


class DestinationRefused(Exception):
    """The webhook's host is, or resolves to, an address it may not reach."""


def literal_address(host: str) -> IPAddress | None:
    """The IP address a host string denotes, in any spelling a resolver would accept."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # inet_aton takes the legacy forms browsers and libc take: 2130706433, 0x7f.1, 127.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def address_refused(ip: IPAddress) -> bool:
    """Anything that is not a public unicast address (unique-local fc00::/7 is not global)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_unspecified


def host_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    """Named in the deployment's allow-list (compared without case or brackets)."""
    wanted = host.strip("[]").lower().rstrip(".")
    return any(wanted == h.strip("[]").lower().rstrip(".") for h in allowed_hosts)


def check_host(host: str, allowed_hosts: Iterable[str]) -> None:
    """Refuse a host that names a refused address or the local machine (no DNS here)."""
    if host_allowed(host, allowed_hosts):
        return
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost") or name.endswith(".local"):
        raise DestinationRefused(host)
    ip = literal_address(name)
    if ip is not None and address_refused(ip):
        raise DestinationRefused(host)


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
    )
    return [info[4][0] for info in infos]


async def resolve_checked(
    host: str, port: int, *, allowed_hosts: Iterable[str], resolver: Resolver = system_resolver
) -> str:
    """The address to connect to; refuses the host if ANY of its addresses is refused."""
    check_host(host, allowed_hosts)
    ip = literal_address(host)
    if ip is not None:
        return str(ip)
    try:
        addresses = await resolver(host, port)
    except (OSError, TimeoutError) as exc:
        raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from None
    parsed = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    if not parsed:
        raise httpx.ConnectError(f"cannot resolve {host}")
    # One refused answer refuses the name: a resolver mixing public and private answers is
    # exactly what a rebinding attack looks like.
    if any(address_refused(ip) for ip in parsed):
        raise DestinationRefused(host)
    return str(parsed[0])


class PinnedTransport(httpx.AsyncBaseTransport):
    """An HTTP transport that connects only to checked addresses, pinned per request."""

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str] = (),
        resolver: Resolver = system_resolver,
        inner: httpx.AsyncBaseTransport | None = None,
        **transport_options,
    ) -> None:
        self._allowed = tuple(allowed_hosts)
        self._resolver = resolver
        self._inner = inner or httpx.AsyncHTTPTransport(**transport_options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if not host_allowed(host, self._allowed):
            port = request.url.port or (443 if request.url.scheme == "https" else 80)
            address = await resolve_checked(
                host, port, allowed_hosts=self._allowed, resolver=self._resolver
            )
            if address != host:
                # Host header was set from the URL when the request was built; keep TLS on
                # the name too, while the socket goes to the address just checked.
                request.url = request.url.copy_with(host=address)
                request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
