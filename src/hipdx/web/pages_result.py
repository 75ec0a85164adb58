"""The result for patients or clinicians, and its PDF report."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hipdx import DISCLAIMER
from hipdx.inference.assessment import Assessment
from hipdx.interview import region_choices
from hipdx.report.pdf import html_to_pdf
from hipdx.store import (
    get_assessment,
)
from hipdx.web import bodymap, views
from hipdx.web.app import (
    Web,
    WebDep,
    audit,
    not_found,
)

router = APIRouter(include_in_schema=False)


# -- results and reports ----------------------------------------------------------------------


def _assessment(web: Web, request: Request, assessment_id: str, action: str) -> Assessment | None:
    if len(assessment_id) != 32 or not all(c in "0123456789abcdef" for c in assessment_id):
        return None
    with web.write() as db:
        stored = get_assessment(db, assessment_id=assessment_id)
        if stored is None:
            return None
        audit(db, request, action, stored.id)
    return Assessment.model_validate(stored.document)


def _context(web: Web, assessment: Assessment, audience: str) -> dict[str, Any]:
    kb = web.engine.knowledge
    if audience == "patient":
        labels = {f.id: bodymap.label(f.id, lay=True, kb=kb) for f in region_choices(kb)}
        return {
            "plain": views.patient_result(assessment, kb),
            "answers": views.patient_answers(assessment, kb, labels),
        }
    return {"result": views.clinician_result(assessment, kb)}


@router.get("/a/{assessment_id}", response_class=HTMLResponse)
def result_page(
    request: Request, assessment_id: str, web: WebDep, problems: str = ""
) -> HTMLResponse:
    audience = "patient" if request.query_params.get("for") == "patient" else "clinician"
    assessment = _assessment(web, request, assessment_id, "result")
    if assessment is None:
        return not_found(web, "result")
    return web.page(
        f"result_{audience}.html",
        id=assessment_id,
        audience=audience,
        problems=problems,
        **_context(web, assessment, audience),
    )


@router.get("/a/{assessment_id}/report.pdf")
def report(request: Request, assessment_id: str, web: WebDep) -> Response:
    audience = "patient" if request.query_params.get("for") == "patient" else "clinician"
    assessment = _assessment(web, request, assessment_id, "report")
    if assessment is None:
        return not_found(web, "result")
    css = (Path(str(files("hipdx.web") / "static")) / "report.css").read_text()
    html = web.templates.get_template(f"report_{audience}.html").render(
        disclaimer=DISCLAIMER,
        css=css,
        assessment=assessment,
        **_context(web, assessment, audience),
    )
    name = f"hipdx-{audience}-report-{assessment_id[:8]}.pdf"
    try:
        pdf = html_to_pdf(html)
    except ImportError:
        reason = "PDF reports need the 'web' extra (pip install 'hipdx[web]')"
        return web.page("denied.html", status=503, reason=reason)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
