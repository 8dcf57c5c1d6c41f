"""Pages of the legal assessment under /cases/ (namespace "assessment")."""

from django.urls import path

from sillok.assessment import (
    export_views,
    views,
    views_add,
    views_frameworks,
    views_matrix,
    views_parts,
)

app_name = "assessment"
urlpatterns: list = [
    # Case pages (helper "pages"): list, case page, its parts, the matrix, "add to case".
    path("", views.case_list, name="cases"),
    path("add/", views_add.add_to_case, name="add"),
    path("<int:case_id>/", views.case_page, name="case"),
    path("<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("<int:case_id>/members/add/", views.member_add, name="member_add"),
    path("<int:case_id>/suspects/add/", views_parts.suspect_add, name="suspect_add"),
    path("<int:case_id>/suspects/<int:suspect_id>/", views_parts.suspect_page, name="suspect"),
    path("<int:case_id>/charges/add/", views_parts.charge_add, name="charge_add"),
    path("<int:case_id>/tasks/add/", views_parts.task_add, name="task_add"),
    path("<int:case_id>/tasks/<int:task_id>/", views_parts.task_update, name="task_update"),
    path("<int:case_id>/matrix/", views_matrix.matrix_page, name="matrix"),
    path(
        "<int:case_id>/charges/<int:charge_id>/elements/<str:code>/link/",
        views_matrix.link_add,
        name="link_add",
    ),
    path(
        "<int:case_id>/charges/<int:charge_id>/elements/<str:code>/assess/",
        views_matrix.element_assess,
        name="element_assess",
    ),
    path(
        "<int:case_id>/links/<int:link_id>/reassess/",
        views_matrix.link_reassess,
        name="link_reassess",
    ),
    path(
        "<int:case_id>/links/<int:link_id>/withdraw/",
        views_matrix.link_withdraw,
        name="link_withdraw",
    ),
    path(
        "<int:case_id>/assessments/<int:assessment_id>/submit/",
        views_matrix.assessment_submit,
        name="assessment_submit",
    ),
    path(
        "<int:case_id>/assessments/<int:assessment_id>/review/",
        views_matrix.assessment_review,
        name="assessment_review",
    ),
    path("<int:case_id>/gaps/task/", views_matrix.gap_task, name="gap_task"),
    # Legal frameworks (helper "frameworks"): read-only.
    path("frameworks/", views_frameworks.framework_list, name="frameworks"),
    path("frameworks/<slug:code>/", views_frameworks.framework_page, name="framework"),
    # Proof matrix exports (helper "exports"): JSON, XLSX, PDF through consent.
    path("<int:case_id>/matrix/export/", export_views.matrix_export, name="matrix-export"),
]
