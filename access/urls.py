from django.urls import path

from access import views

app_name = "access"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("my-access/", views.my_access, name="my_access"),
    path("my-access/services/<id:grant_id>/give-up/", views.my_grant_renounce, name="my_grant_renounce"),
    path("my-access/groups/<id:membership_id>/leave/", views.my_group_leave, name="my_group_leave"),
    path("groups/<id:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<id:group_id>/add/", views.user_add, name="user_add"),
    path("users/", views.user_list, name="user_list"),
    path("users/<id:person_id>/", views.user_detail, name="user_detail"),
    path("users/<id:person_id>/block/", views.person_block, name="person_block"),
    path("users/<id:person_id>/unblock/", views.person_unblock, name="person_unblock"),
    path("memberships/<id:membership_id>/", views.membership_edit, name="membership_edit"),
    path("memberships/<id:membership_id>/services/", views.grant_add, name="grant_add"),
    path("memberships/<id:membership_id>/services/<id:service_id>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("memberships/<id:membership_id>/block/", views.membership_block, name="membership_block"),
    path("memberships/<id:membership_id>/unblock/", views.membership_unblock, name="membership_unblock"),
    path("memberships/<id:membership_id>/delete/", views.membership_delete, name="membership_delete"),
    path("managers/", views.manager_list, name="manager_list"),
    path("main-manager/", views.main_manager, name="main_manager"),
    path("main-manager/belgian/", views.main_manager_belgian, name="main_manager_belgian"),
    path("main-manager/foreign/", views.main_manager_foreign, name="main_manager_foreign"),
    path("main-manager/credentials/", views.main_manager_credentials, name="main_manager_credentials"),
    path("managers/<id:designation_id>/revoke/", views.designation_revoke, name="designation_revoke"),
    path("journal/", views.journal, name="journal"),
    path("journal/export/", views.journal_export, name="journal_export"),
    path("who-could-act/", views.who_could_act, name="who_could_act"),
    path("who-could-act/export/", views.who_could_act_export, name="who_could_act_export"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/start/", views.review_start, name="review_start"),
    path("reviews/<id:review_id>/", views.review_detail, name="review_detail"),
    path("reviews/<id:review_id>/grants/", views.review_answer, name="review_answer"),
    path("reviews/<id:review_id>/grants/confirm/", views.review_page_confirm, name="review_page_confirm"),
    path(
        "reviews/<id:review_id>/grants/<id:grant_id>/confirm/", views.review_grant_confirm, name="review_grant_confirm"
    ),
    path("reviews/<id:review_id>/grants/<id:grant_id>/revoke/", views.review_grant_revoke, name="review_grant_revoke"),
    path("unused-access/", views.unused_access, name="unused_access"),
    path("approvals/", views.approval_list, name="approval_list"),
    path("approvals/<id:request_id>/approve/", views.approval_approve_view, name="approval_approve"),
    path("approvals/<id:request_id>/refuse/", views.approval_refuse_view, name="approval_refuse"),
    path("approvals/setting/", views.four_eyes, name="four_eyes"),
]
