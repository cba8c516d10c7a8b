from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("import/", views.start, name="start"),
    path("import/template/", views.template, name="template"),
    path("import/<id:import_id>/", views.detail, name="detail"),
    path("import/<id:import_id>/progress/", views.progress, name="progress"),
    path("import/<id:import_id>/commit/", views.commit, name="commit"),
    path("import/<id:import_id>/undo/", views.undo, name="undo"),
    path("import/<id:import_id>/report/", views.report_csv, name="report"),
]
