from django.forms.renderers import TemplatesSetting


class WalkupFormRenderer(TemplatesSetting):
    """Django's form templates, overridable from templates/, with Walkup's field layout."""

    field_template_name = "forms/field.html"
