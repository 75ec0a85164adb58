"""The web page in a real browser (Debian's chromium) against a real `hipdx serve` on loopback:
a patient's interview through the body map and the keyboard, a red flag shown at once, answers
that survive a reload and a server restart, a clinician's note read, corrected and assessed,
and both PDF reports. Every page looked at is screenshotted and checked with axe-core."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from webtools import Look, WebServer

import hipdx
from hipdx import Asker, InterviewSession, Setting
from hipdx.interview import QuestionKind
from hipdx.web.views import PLAIN_LEVEL

SEED_NOTE = (
    "A 31-year-old female presented with an intermittent localized left hip pain that began when "
    "training for a marathon. Despite the pain, she continued running. However, the pain "
    "progressively worsened over one year refractory to analgesics, now radiating to the groin "
    "and buttock. A hip MRI showed focal labral tear, and she was referred to physical therapy "
    "with some improvement. Six months later, she was now unable to run a short distance due to "
    "the pain. The pain was sharp and most noticeable in her groin and buttock, associated with "
    "\u201cclicking\u201d sound without weakness or paresthesia. Physical exam was unremarkable "
    "except for positive FABER sign without snapping or clicking with hip range of motion.\n"
    "A femur MRI revealed minimal increased T2 intramuscular edema signal involving the left "
    "quadratus femoris with mild fatty infiltration. The distance between lesser trochanter of "
    "the femur and ischial bone measured approximately 2.5cm, suggestive of ischiofemoral "
    "impingement syndrome (IFIS)."
)
NOTICE = "decision support, not a diagnosis"


def _start_patient(page: Any, base: str, look: Look | None = None) -> None:
    page.goto(base + "/")
    if look is not None:
        look(page, "start")
    page.get_by_label("Age in years").fill("38")
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/where")


def _engine_session(regions: list[str], side: str) -> InterviewSession:
    session = hipdx.default_engine().start_interview(
        asker=Asker.PATIENT, setting=Setting.PRIMARY_CARE
    )
    session.set_patient(age=38, sex=hipdx.Sex.FEMALE)
    session.set_regions(regions, side=side)  # type: ignore[arg-type]
    return session


def _question_number(page: Any) -> str:
    return str(page.locator(".progress").inner_text()).split("(")[0].strip()


def _answer_in_both(page: Any, session: InterviewSession, *, yes: bool) -> None:
    """Answer the page's question by keyboard (yes or no, or a choice's first option) and
    the same in the Python session."""
    question = session.step().question
    assert question is not None
    shown = page.locator("legend h1").inner_text()
    assert shown.rstrip("?") == session.document()["question"]["text"].rstrip("?")
    if question.kind is QuestionKind.GROUP:
        button = page.locator("button.answer").first
        session.answer(question.question, question.findings[0])
    else:
        button = page.get_by_role("button", name="Yes" if yes else "No", exact=True)
        session.answer(question.question, yes)
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_patient_completes_an_interview_with_the_body_map_and_the_keyboard(
    page: Any, web_server: WebServer, look: Look
) -> None:
    _start_patient(page, web_server.url, look)
    buttock = page.locator('.region[data-key="pain_buttock:right"]')
    buttock.focus()
    page.keyboard.press("Space")
    assert buttock.get_attribute("aria-checked") == "true"
    assert buttock.get_attribute("aria-label") == "your right buttock"
    page.locator('.region[data-key="pain_ischial:right"]').click()
    assert "your right sitting bone" in page.locator("#chosen").inner_text()
    look(page, "body-map")
    page.get_by_role("button", name="Next").click()
    session = _engine_session(["pain_buttock", "pain_ischial"], "right")
    look(page, "question")
    page.get_by_text("Why this question?").click()
    assert page.locator("details.why p").is_visible()
    while "/a/" not in page.url:
        _answer_in_both(page, session, yes=False)
    assert session.ended
    look(page, "patient-result")
    expected = hipdx.default_engine().assess(session.case())
    text = page.locator("main").inner_text()
    assert PLAIN_LEVEL[expected.triage.level][0] in text
    top = page.locator(".likely-name").first.inner_text()
    assert expected.differential[0].name in top
    assert (
        "the most likely" if expected.differential[0].probability >= 0.5 else "fits best"
    ) in top
    assert NOTICE in text.lower()
    assert "%" not in text and "LR " not in text  # no figures for patients


def test_a_red_flag_shows_the_emergency_message_at_once(
    page: Any, web_server: WebServer, look: Look
) -> None:
    _start_patient(page, web_server.url)
    for key in ("pain_low_back:mid", "pain_below_knee:left", "pain_below_knee:right"):
        page.locator(f'.region[data-key="{key}"]').first.click()
    page.get_by_role("button", name="Next").click()
    session = _engine_session(["pain_low_back", "pain_below_knee"], "both")
    fired = False
    while not fired:
        _answer_in_both(page, session, yes=True)
        flags = session.step().red_flags
        # an alert on the page after this very answer exactly when a red flag has fired
        assert bool(page.get_by_role("alert").count()) == bool(flags), [f.name for f in flags]
        fired = any(f.level is hipdx.TriageLevel.EMERGENCY for f in flags)
    alert = page.get_by_role("alert").first
    assert alert.is_visible()
    assert "emergency department" in alert.inner_text()
    look(page, "emergency")


def test_answers_survive_a_reload_and_back_takes_one_back(
    page: Any, web_server: WebServer, look: Look
) -> None:
    _start_patient(page, web_server.url)
    page.locator('.region[data-key="pain_groin:left"]').click()
    page.get_by_role("button", name="Next").click()
    first = page.locator("legend h1").inner_text()
    for _ in range(2):
        with page.expect_navigation():
            page.locator("button.answer").nth(1).click()
    question = page.locator("legend h1").inner_text()
    page.reload()
    assert _question_number(page) == "Question 3"
    assert page.locator("legend h1").inner_text() == question
    page.get_by_role("button", name="← Back").click()
    page.get_by_role("button", name="← Back").click()
    assert _question_number(page) == "Question 1"
    assert page.locator("legend h1").inner_text() == first
    look(page, "after-back")


def test_a_clinician_sees_the_triage_and_the_top_five_as_the_interview_goes(
    page: Any, web_server: WebServer, look: Look
) -> None:
    page.goto(web_server.url + "/")
    page.get_by_label("I am a clinician examining the patient").check()
    page.get_by_label("Age in years").fill("67")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Where is the patient being seen?").select_option("emergency")
    page.get_by_role("button", name="Start").click()
    page.locator('.region[data-key="pain_groin:right"]').click()
    page.get_by_role("button", name="Next").click()
    with page.expect_navigation():
        page.locator("button.answer.unknown").click()
    assert _question_number(page) == "Question 2"
    aside = page.locator("aside")
    assert aside.locator(".level").inner_text().startswith("Triage: ")
    assert 1 <= aside.locator(".bars li").count() <= 5
    page.get_by_text("Why this question?").click()
    assert page.locator("details.why li").count() >= 1
    look(page, "clinician-question")


@pytest.mark.slow
def test_answers_survive_a_server_restart(page: Any, web_server: WebServer, look: Look) -> None:
    _start_patient(page, web_server.url)
    page.locator('.region[data-key="pain_lateral_hip:right"]').click()
    page.get_by_role("button", name="Next").click()
    for _ in range(2):
        with page.expect_navigation():
            page.locator("button.answer").first.click()
    path = page.url.removeprefix(web_server.url)
    question = page.locator("legend h1").inner_text()
    web_server.restart()
    page.goto(web_server.url + path)
    assert _question_number(page) == "Question 3"
    assert page.locator("legend h1").inner_text() == question
    page.goto(web_server.url + "/")
    page.get_by_role("link", name="Continue the interview you started").click()
    assert _question_number(page) == "Question 3"
    look(page, "after-restart")


def test_a_clinician_pastes_a_note_corrects_it_and_gets_the_result_and_both_reports(
    page: Any, web_server: WebServer, look: Look
) -> None:
    page.goto(web_server.url + "/")
    page.get_by_role("link", name="Paste a note").click()
    look(page, "note")
    page.get_by_label("Note").fill(SEED_NOTE)
    page.get_by_role("button", name="Read the note").click(timeout=90_000)
    negated = page.locator("mark.absent", has_text="weakness")
    assert negated.count() == 1
    assert page.locator("mark.present", has_text="FABER").count() == 1
    look(page, "note-read")
    correction = page.locator('select[name="f.leg_weakness"]')
    assert correction.input_value() == "absent"
    correction.select_option("unknown")
    page.get_by_role("button", name="Assess").click()
    page.wait_for_url("**/a/*")
    look(page, "clinician-result")
    main = page.locator("main")
    assert main.locator("h1").first.inner_text().split(" - ")[0] in {
        "EMERGENCY", "URGENT", "SOON", "ROUTINE", "SELF-CARE"
    }  # fmt: skip
    leading = [str(t) for t in page.locator(".bars .bar-name a").all_inner_texts()[:2]]
    assert "Ischiofemoral impingement syndrome" in leading
    used = page.locator("#findings-used").inner_text()
    assert "Subjective leg weakness" not in used  # the correction was taken
    assert "LR" in main.inner_text()
    clinician = _download(page, "Clinician report (PDF)", look)
    assert "Ischiofemoral impingement" in clinician
    assert NOTICE in clinician.lower().replace("\n", " ")
    patient = _download(page, "Patient handout (PDF)", look)
    assert "How soon to be seen" in patient
    assert NOTICE in patient.lower().replace("\n", " ")
    assert "LR " not in patient


def _download(page: Any, link: str, look: Look) -> str:
    """The text of the PDF the link downloads (kept beside the screenshots)."""
    from pypdf import PdfReader

    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    data = Path(info.value.path()).read_bytes()
    (look.folder / info.value.suggested_filename).write_bytes(data)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(p.extract_text() for p in reader.pages)
