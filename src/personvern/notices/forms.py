from django import forms
from django.utils.translation import gettext_lazy as _


class PublishForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Begrunnelse for å publisere tross feil"),
        help_text=_("Kreves bare når kontrollen finner feil. Begrunnelsen lagres med versjonen og i revisjonssporet."),
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
    )
