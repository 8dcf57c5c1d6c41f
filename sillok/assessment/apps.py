from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    """Legal assessment (DESIGN.md "assess"): legal frameworks as data, case files with their
    suspects, charges and tasks, the proof matrix that ties each element of a crime or mode of
    liability to the evidence for it, gap analysis and the four-eyes review of assessments.
    Corroboration of acts and events is a records-level fact (records/corroboration.py) that
    this app reads."""

    name = "sillok.assessment"
    label = "assessment"
    verbose_name = "Sillok legal assessment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sillok.assessment.version_audit import ASSESSMENT_VERSIONS
        from sillok.custody.audited_rows import register_audited_rows

        register_audited_rows(ASSESSMENT_VERSIONS)
        # "Add to a case" on item and record pages (core/page_actions.py).
        from sillok.assessment.views_actions import add_to_case_actions
        from sillok.core.page_actions import register_page_action_provider

        register_page_action_provider(add_to_case_actions)
        # "Element assessments to review" on the home page (core/waiting.py).
        from sillok.assessment import waiting
        from sillok.core.waiting import register_waiting_provider

        register_waiting_provider(waiting.waiting_for)
