"""Shapes of commendations ("Vì an ninh Tổ quốc") and of candidate suggestions."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# code -> (Vietnamese, English); the level of the body that decided the commendation.
LEVELS: dict[str, tuple[str, str]] = {
    "national": ("Cấp Nhà nước", "State"),
    "ministry": ("Cấp Bộ, ngành trung ương", "Ministry or central body"),
    "provincial": ("Cấp tỉnh, thành phố", "Province or city"),
    "district": ("Cấp quận, huyện", "District"),
    "commune": ("Cấp phường, xã", "Ward or commune"),
}
Level = Literal["national", "ministry", "provincial", "district", "commune"]
RecipientKind = Literal["team", "person"]
RECIPIENT_KINDS: dict[str, tuple[str, str]] = {
    "team": ("Tập thể (tổ tự quản)", "Team"),
    "person": ("Cá nhân", "Person"),
}


class CommendationDetails(BaseModel):
    """The decision itself."""

    model_config = ConfigDict(extra="forbid")

    level: Level
    form: str = Field(
        min_length=1, max_length=128, description="e.g. Bằng khen, Giấy khen, Cờ thi đua"
    )
    decision_number: str = Field(min_length=1, max_length=64, examples=["125/QĐ-UBND"])
    decided_on: date
    issuing_body: str = Field(min_length=1, max_length=255, examples=["UBND thành phố Thủ Đức"])
    reason: str = Field(min_length=1, max_length=2000)


class CommendationCreate(CommendationDetails):
    """A team (team_id), a team member (team_member_id), or another person (person_name with
    the team or union unit it is recorded under)."""

    recipient_kind: RecipientKind
    team_id: uuid.UUID | None = None
    team_member_id: uuid.UUID | None = None
    union_unit_id: uuid.UUID | None = None
    person_name: str | None = Field(default=None, min_length=1, max_length=255)
    person_title: str | None = Field(default=None, max_length=255, description="position")

    @model_validator(mode="after")
    def _recipient(self) -> "CommendationCreate":
        if self.recipient_kind == "team":
            if self.team_id is None or self.union_unit_id or self.team_member_id:
                raise ValueError("a team commendation names team_id only")
            if self.person_name or self.person_title:
                raise ValueError("a team commendation has no person_name")
        elif self.team_member_id is None:
            if not self.person_name:
                raise ValueError("a person needs team_member_id or person_name")
            if (self.team_id is None) == (self.union_unit_id is None):
                raise ValueError("name exactly one of team_id and union_unit_id")
        elif self.union_unit_id is not None:
            raise ValueError("a team member's commendation is recorded under their team")
        return self


class CommendationUpdate(BaseModel):
    """Corrections to the decision; the recipient never changes (delete and re-create)."""

    model_config = ConfigDict(extra="forbid")

    level: Level | None = None
    form: str | None = Field(default=None, min_length=1, max_length=128)
    decision_number: str | None = Field(default=None, min_length=1, max_length=64)
    decided_on: date | None = None
    issuing_body: str | None = Field(default=None, min_length=1, max_length=255)
    reason: str | None = Field(default=None, min_length=1, max_length=2000)
    person_title: str | None = Field(default=None, max_length=255)


class CommendationRead(BaseModel):
    id: uuid.UUID
    recipient_kind: str
    team_id: uuid.UUID | None
    union_unit_id: uuid.UUID | None
    team_member_id: uuid.UUID | None
    person_name: str | None
    person_title: str | None
    level: str
    form: str
    decision_number: str
    decided_on: date
    issuing_body: str
    reason: str
    recorded_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int


class CandidateFigures(BaseModel):
    """The activity a suggestion rests on; a figure is null when its source does not exist."""

    patrols: int | None = Field(description="patrols started in the period (not abandoned)")
    weeks_with_patrol: int | None
    weeks_in_period: int
    patrol_regularity: float | None = Field(description="weeks with a patrol / weeks, 0..1")
    incidents_reported: int | None = Field(description="submitted, not marked as duplicates")
    incidents_closed: int | None = Field(description="of those, closed")
    awareness_sessions: int
    awareness_audience: int = Field(description="workers + landlords + others reached")


class Candidate(BaseModel):
    team_id: uuid.UUID
    team_name: str
    union_unit_id: uuid.UUID
    score: float = Field(description="0..100, see `basis`")
    figures: CandidateFigures
    last_commended_on: date | None = Field(description="the team's latest commendation")


class CandidateList(BaseModel):
    period_from: date
    period_to: date
    basis: list[str] = Field(description="sources used, e.g. patrols, incidents, awareness")
    missing_sources: list[str] = Field(description="sources not available in this deployment")
    weights: dict[str, float]
    items: list[Candidate]
