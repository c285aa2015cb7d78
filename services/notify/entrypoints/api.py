"""Notify's HTTP API: which notifications went out for a branch, and their delivery state."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from shared.http.auth import Branch
from shared.http.paging import Page, Paging
from shared.rules import NotFound
from services.notify.adapters.store import ORDER, STATUSES

router = APIRouter(prefix="/branches/{branch}/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    notification_id: str
    recipient_id: str
    template: str
    channel: str
    status: str = Field(description="pending (waiting to be sent or retried), sending, sent, failed or skipped "
                                    "(a reminder the participant declined)")
    attempts: int = 0
    language: str | None = None
    reason: str | None = None
    duo_id: str | None = None
    created_at: datetime


def _out(doc: dict) -> NotificationOut:
    return NotificationOut(notification_id=doc["_id"], **{k: doc.get(k) for k in (
        "recipient_id", "template", "channel", "status", "reason", "duo_id", "created_at", "language")},
                           attempts=doc.get("attempts", 0))


@router.get("", summary="Notifications of the branch, newest first")
async def list_notifications(request: Request, branch: Branch, paging: Paging,
                             status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
                             template: Annotated[str | None, Query(max_length=100, description=(
                                 "Only this message, e.g. duo-formed"))] = None,
                             duo_id: Annotated[str | None, Query(max_length=100)] = None) -> Page[NotificationOut]:
    documents, next_key = await request.app.state.store.list(branch, paging.after(ORDER), paging.limit,
                                                             status=status, template=template, duo_id=duo_id)
    return paging.page([_out(d) for d in documents], next_key, ORDER)


@router.get("/{notification_id}", summary="One notification and its delivery state")
async def get_notification(request: Request, branch: Branch, notification_id: str) -> NotificationOut:
    doc = await request.app.state.store.get(branch, notification_id)
    if doc is None:
        raise NotFound("notification")
    return _out(doc)
