"""Forms: the public request form and the staff forms."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Channel, FeeGround, RefusalGround, RefusalProvision, RequestType, Task

HONEYPOT = "website"


class PublicRequestForm(forms.Form):
    type = forms.ChoiceField(label=_("Hva vil du?"), choices=RequestType.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("Navn"), max_length=200)
    email = forms.EmailField(label=_("E-post"), max_length=254,
                             help_text=_("Vi sender en lenke hit for å bekrefte at det er deg."))
    phone = forms.CharField(label=_("Telefon (valgfritt)"), max_length=40, required=False)
    customer_number = forms.CharField(label=_("Kundenummer (valgfritt)"), max_length=60, required=False)
    message = forms.CharField(
        label=_("Beskriv kravet (valgfritt)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For retting: hva er feil, og hva er riktig? For protest: hvilken behandling?"),
    )
    direct_marketing = forms.BooleanField(
        label=_("Protesten gjelder direkte markedsføring (vi stopper alltid)"), required=False
    )
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, max_length=200, label=_("Ikke fyll ut dette feltet"))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if any(ord(c) < 32 for c in name):
            raise forms.ValidationError(_("Ugyldige tegn i navnet."))
        return name


class StaffRequestForm(forms.Form):
    """A request received by letter, phone, e-mail or in person, registered by staff."""

    type = forms.ChoiceField(label=_("Type"), choices=RequestType.choices)
    channel = forms.ChoiceField(label=_("Mottatt via"), choices=[c for c in Channel.choices if c[0] != "form"])
    received_at = forms.DateTimeField(label=_("Mottatt (dato og tid)"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    name = forms.CharField(label=_("Navn"), max_length=200)
    email = forms.EmailField(label=_("E-post"), max_length=254, required=False)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False)
    customer_number = forms.CharField(label=_("Kundenummer"), max_length=60, required=False)
    message = forms.CharField(label=_("Innhold"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    language = forms.ChoiceField(label=_("Språk i svaret"), choices=[("nb", "Norsk bokmål"), ("en", "English")])
    direct_marketing = forms.BooleanField(label=_("Protest mot direkte markedsføring"), required=False)
    send_link = forms.BooleanField(label=_("Send lenke for å bekrefte identitet til e-postadressen"), required=False)

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now():
            raise forms.ValidationError(_("Mottatt-datoen kan ikke være i fremtiden."))
        return value


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Notat"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(forms.Form):
    reasons = forms.CharField(label=_("Begrunnelse (sendes til den registrerte)"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    months = forms.TypedChoiceField(label=_("Forleng med"), coerce=int, choices=[(2, _("2 måneder")), (1, _("1 måned"))])
    notified_at = forms.DateTimeField(
        label=_("Varslet (dato og tid), når den registrerte ikke har e-post"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class RefuseForm(forms.Form):
    ground = forms.ChoiceField(label=_("Grunnlag"), choices=RefusalGround.choices)
    provision = forms.ChoiceField(
        label=_("Bestemmelsen avslaget bygger på (for unntak og annet)"), required=False,
        choices=[("", "---------")] + RefusalProvision.choices,
    )
    provision_text = forms.CharField(label=_("Bestemmelsen, med lovens navn (når du skriver den selv)"),
                                     max_length=300, required=False)
    reasons = forms.CharField(label=_("Begrunnelse (sendes til den registrerte)"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    excessive_justification = forms.CharField(
        label=_("Dokumentasjon for at kravet er åpenbart grunnløst eller urimelig (art. 12(5))"),
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )


class FeeForm(forms.Form):
    fee_nok = forms.IntegerField(label=_("Gebyr (kr)"), min_value=1, max_value=10_000)
    ground = forms.ChoiceField(label=_("Grunnlag (art. 12(5))"), choices=FeeGround.choices)
    justification = forms.CharField(label=_("Begrunnelse (sendes til den registrerte, art. 12(5))"), max_length=4000,
                                    widget=forms.Textarea(attrs={"rows": 2}))


class TaskForm(forms.Form):
    status = forms.ChoiceField(label=_("Resultat"), choices=[c for c in Task.Status.choices if c[0] != "open"])
    note = forms.CharField(label=_("Notat"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("Dokumentasjon (saksnr., spørring, fil)"), max_length=2000, required=False)


class RowsForm(forms.Form):
    file = forms.FileField(label=_("Opplysninger fra systemet (CSV eller JSON)"))
