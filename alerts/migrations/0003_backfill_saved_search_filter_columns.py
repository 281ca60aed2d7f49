from django.db import migrations


def fill_filter_columns(apps, schema_editor):
    # The search page's FilterSet reads the filters, as for every search saved from now on.
    from alerts.services import saved_search_columns

    SavedSearch = apps.get_model("alerts", "SavedSearch")
    for saved_search in SavedSearch.objects.iterator(chunk_size=2_000):
        columns = saved_search_columns(saved_search.params)
        for column, value in columns.items():
            setattr(saved_search, column, value)
        saved_search.save(update_fields=list(columns))


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_saved_search_filter_columns"),
    ]

    operations = [
        migrations.RunPython(fill_filter_columns, migrations.RunPython.noop),
    ]
