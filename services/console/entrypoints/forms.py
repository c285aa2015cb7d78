"""Registration forms to the intake API's bodies, and back again when a form is shown with errors."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

SINGLE = ("first_name", "last_name", "email", "birth_date", "preferred_language", "country", "postcode",
          "education_level", "migration_background")
TICKED = ("consent", "right_to_work", "volunteer")
MANY = ("availability", "target_sectors", "support_wanted", "support_offered")


def body_from(form: FormData, role: str) -> dict[str, Any]:
    """What the person typed, shaped as the API wants it; the API judges it (shape and programme rules)."""
    body: dict[str, Any] = {name: (form.get(name) or "").strip() or None for name in SINGLE}
    body.update({name: form.get(name) == "on" for name in TICKED})
    body.update({name: form.getlist(name) for name in MANY})
    body["languages"] = [{"code": form.get(f"language{i}"), "level": form.get(f"level{i}")} for i in (1, 2)
                         if form.get(f"language{i}")]
    if role == "mentee":
        for name in ("volunteer", "support_offered"):
            body.pop(name)
        body["employment_service"] = {"name": (form.get("employment_service") or "").strip(),
                                      "registered": form.get("employment_service_registered") == "on"}
    else:
        for name in ("education_level", "migration_background", "right_to_work", "target_sectors", "support_wanted"):
            body.pop(name)
        years = (form.get("experience_years") or "").strip()
        body["experience"] = [{"sector": form.get("experience_sector"), "years": int(years) if years.isdigit() else years}] \
            if form.get("experience_sector") else []
    return {k: v for k, v in body.items() if v is not None}


def values_from(form: FormData) -> dict[str, Any]:
    """The form as typed, to fill it again."""
    return {key: form.getlist(key) if key in MANY else form.get(key) for key in form.keys()}
