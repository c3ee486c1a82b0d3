from django import forms
from django.utils.translation import gettext_lazy as _
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from personvern.connectors.engine import ConnectorError, check_url

from .models import Connection
from .policy import connection_policy, explain

SUPPORTED = ("postgresql", "mysql", "mariadb", "sqlite")


class ConnectionForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Passord"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Lagres kryptert. La stå tomt for å beholde det lagrede passordet."),
    )

    class Meta:
        model = Connection
        fields = ["name", "slug", "system_id", "url", "read_only"]
        labels = {
            "name": _("Navn"),
            "slug": _("ID"),
            "system_id": _("System i protokollen"),
            "url": _("Database-URL (uten passord)"),
            "read_only": _("Bare lesetilgang (kun innsyn)"),
        }
        help_texts = {
            "url": _("F.eks. postgresql://personvern@db.example.no:5432/shop, mysql://personvern@db/shop eller sqlite:////srv/shop.db"),
            "slug": _("Brukes av oppbevaringsreglene i protokollen (enforcement.connection)."),
        }

    def __init__(self, *args, systems: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system_id"] = forms.ChoiceField(
            label=_("System i protokollen"), required=False, choices=[("", "—")] + list(systems)
        )

    def clean_url(self):
        value = self.cleaned_data["url"].strip()
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            raise forms.ValidationError(_("Ikke en gyldig database-URL.")) from None
        if url.get_backend_name() not in SUPPORTED:
            raise forms.ValidationError(_("Støttet: PostgreSQL, MySQL/MariaDB og SQLite."))
        if url.password:
            raise forms.ValidationError(_("Skriv passordet i passordfeltet, ikke i URL-en: da lagres det kryptert."))
        try:  # what the operator lets a connection reach (host names resolved, every address checked)
            check_url(value, connection_policy())
        except ConnectorError as exc:
            raise forms.ValidationError(explain(exc)) from None
        return value

    def save(self, commit=True):
        connection = super().save(commit=False)
        if self.cleaned_data.get("password"):
            connection.set_password(self.cleaned_data["password"])
        if commit:
            connection.save()
        return connection
