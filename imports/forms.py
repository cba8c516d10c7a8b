from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.reading import MAX_BYTES, MAX_ROWS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "One row per person and group; at most %(size)s MB and %(rows)s rows, in UTF-8 or Windows-1252, "
            "with the columns separated by ; or ,. Nothing changes until you have read the check and started "
            "the import."
        ) % {"size": MAX_BYTES // (1024 * 1024), "rows": number_format(MAX_ROWS, force_grouping=True)}
