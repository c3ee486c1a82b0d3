"""Notice rendering and linting: the largest example and a synthetic register.

    .venv/bin/python bench/notice_bench.py                  # both registers, 30 runs each
    .venv/bin/python bench/notice_bench.py --runs 100 --activities 400

For each register: render the notice (personvern.core.notice.render, HTML, bokmål), lint it
(personvern.core.rules.lint, bokmål), and, for reference, write the Art. 30 record as xlsx. The figure that
counts is render + lint together, against a target of 100 ms for the synthetic register (200 activities,
100 processors, 300 cookies); the ratio to the target is printed (under 1.0 is within it). Timings are the
median and the best of --runs runs after one warm-up run, with the median CPU time of the process (the first run loads the rule and vendor files).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from personvern.core.manifest import Register, load_register, validate_data  # noqa: E402
from personvern.core.notice import render  # noqa: E402
from personvern.core.protocol import to_xlsx  # noqa: E402
from personvern.core.rules import lint  # noqa: E402

TARGET_MS = 100.0

US_VENDORS = ["Google", "Mailchimp", "Zoom Video Communications, Inc.", "Stripe", "HubSpot", "Microsoft 365",
              "Kajabi LLC", "SurveyMonkey", "Vimeo", "Cloudflare"]
EEA_VENDORS = ["Domeneshop AS", "Fiken AS", "Visma AS", "Webhuset AS", "Klarna", "Tripletex AS", "Hotjar"]


def synthetic(activities: int = 200, processors: int = 100, cookies: int = 300) -> Register:
    """A large register in the shape real ones take: several bases, recipients in and out of the EEA (some with
    no transfer mechanism), trackers, text with outdated references, cookies with and without expiry."""
    recipients = []
    for i in range(processors):
        us = i % 3 == 0
        name = (US_VENDORS if us else EEA_VENDORS)[i % (len(US_VENDORS) if us else len(EEA_VENDORS))]
        r = {"id": f"leverandor-{i}", "name": f"{name} {i}", "role": "processor", "country": "US" if us else "NO",
             "services": {"nb": f"Drift av tjeneste {i}", "en": f"Runs service {i}"}}
        if i % 4:
            r["dpa"] = {"in_place": True, "date": "2024-05-01"}
        if us:
            r["transfer"] = {"mechanism": ["dpf", "scc_2021_914", "unstated"][i % 3]}
        recipients.append(r)
    recipients.append({"id": "meta", "name": "Meta Platforms Ireland", "role": "joint_controller", "country": "US",
                       "transfer": {"mechanism": "dpf"}, "vendor": "meta"})
    systems = [{"id": f"system-{i}", "name": ["Google Analytics", "Facebook Pixel", "CRM", "Outlook", "Fiken"][i % 5]
                + f" {i}", "vendor": f"leverandor-{i % processors}"} for i in range(50)]
    acts = []
    for i in range(activities):
        kind = i % 5
        bases = [[{"basis": "b"}, {"basis": "c", "law": "bokføringsloven § 13"}],
                 [{"basis": "a"}],
                 [{"basis": "f", "legitimate_interest": {"nb": f"Følge opp kunder som har spurt om tilbud nr. {i}",
                                                         "en": f"Follow up customers who asked for offer no. {i}"}}],
                 [{"basis": "c"}],
                 [{"basis": "a"}, {"basis": "f", "legitimate_interest": "Berettiget interesse"}]][kind]
        a = {
            "id": f"behandling-{i}",
            "name": {"nb": f"Behandling {i}", "en": f"Activity {i}"},
            "purpose": {"nb": f"Formål nummer {i}: levere tjenesten og følge opp kunden.",
                        "en": f"Purpose number {i}: deliver the service and follow up the customer."},
            "data_subjects": [{"nb": "kunder", "en": "customers"}, {"nb": "besøkende", "en": "visitors"}],
            "data_categories": [{"nb": "navn", "en": "name"}, {"nb": "e-post", "en": "e-mail"},
                                {"nb": "kjøpshistorikk", "en": "purchase history"}],
            "channels": ["website", "cookies"] if kind in (1, 2) else ["email", "checkout"],
            "legal_bases": bases,
            "recipients": [f"leverandor-{(i * 7 + k) % processors}" for k in range(4)] + (["meta"] if kind == 1 else []),
            "systems": [f"system-{(i + k) % 50}" for k in range(2)],
            "notes": {"nb": "Du har rett til innsyn etter personopplysningsloven § 18." if i % 10 == 0 else
                      "Opplysningene lagres i Norge og deles ikke med andre enn dem som står over.",
                      "en": "Data is stored in Norway."},
        }
        if kind == 1:
            a["withdrawal"] = {"nb": "Endre valget i cookie-innstillingene.", "en": "Change it in the cookie settings."}
        if i % 6 == 0:
            a["retention"] = {"rule": "until_purpose_fulfilled", "description": "Så lenge det er nødvendig."}
        elif i % 6 == 1:
            a["retention"] = {"period": "P3Y", "law": "bokføringsloven § 13"}
        elif i % 6 != 5:
            a["retention"] = {"period": "P12M", "rule": "end_of_customer_relationship"}
        acts.append(a)
    cookie_list = []
    for i in range(cookies):
        c = {"name": f"_cookie_{i}", "provider": "meta" if i % 3 == 0 else f"leverandor-{i % processors}",
             "category": ["necessary", "functional", "statistics", "marketing"][i % 4],
             "purpose": {"nb": f"Informasjonskapsel {i}", "en": f"Cookie {i}"},
             "activity": f"behandling-{(i * 5 + 1) % activities}"}
        if i % 7:
            c["expiry"] = ["P13M", "PT24H", "session", "P2Y"][i % 4]
        cookie_list.append(c)
    data = {
        "controller": {"legal_name": "Stor Nettbutikk AS", "org_number": "974761467", "email": "post@stor.no",
                       "postal_address": {"street": "Storgata 1", "postal_code": "0155", "city": "Oslo"},
                       "dpo": {"designated": True, "name": "Kari Nordmann", "email": "personvernombud@stor.no"}},
        "notice": {"title": {"nb": "Personvernerklæring", "en": "Privacy notice"}, "updated": "2026-11-01"},
        "systems": systems,
        "recipients": recipients,
        "activities": acts,
        "cookies": cookie_list,
        "rights": {"email": "personvern@stor.no"},
        "security": [{"nb": "Tilgangsstyring, kryptering og sikkerhetskopier", "en": "Access control, encryption, backups"}],
    }
    return validate_data(data, "<synthetic>")


def largest_example() -> Path:
    return max((REPO / "examples").glob("*.yaml"), key=lambda p: p.stat().st_size)


def timed(fn, runs: int) -> tuple[float, float, float]:
    """(median wall ms, best wall ms, median CPU ms). CPU time shows what the work costs when other processes
    compete for the machine; wall time is what a user waits."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def measure(label: str, reg: Register, runs: int, target: float | None) -> float:
    findings = lint(reg)
    html = render(reg, "nb", "html")
    print(f"\n{label}: {len(reg.activities)} activities, {len(reg.recipients)} recipients, {len(reg.cookies)} cookies;"
          f" notice {len(html):,} characters, {len(findings)} findings")
    for name, fn in (("render (html, nb)", lambda: render(reg, "nb", "html")),
                     ("lint (nb)", lambda: lint(reg, "nb")),
                     ("protocol (xlsx, nb)", lambda: to_xlsx(reg, "nb"))):
        med, best, cpu = timed(fn, runs)
        print(f"  {name:22} median {med:8.2f} ms   best {best:8.2f} ms   CPU {cpu:8.2f} ms")
    med, best, cpu = timed(lambda: (render(reg, "nb", "html"), lint(reg, "nb")), runs)
    line = f"  {'render + lint':22} median {med:8.2f} ms   best {best:8.2f} ms   CPU {cpu:8.2f} ms"
    if target:
        line += f"   ratio to the {target:.0f} ms target: {med / target:.2f} (median), {best / target:.2f} (best)"
    print(line)
    return med, best, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--activities", type=int, default=200)
    ap.add_argument("--processors", type=int, default=100)
    ap.add_argument("--cookies", type=int, default=300)
    args = ap.parse_args(argv)
    path = largest_example()
    measure(f"Largest example ({path.name})", load_register(path), args.runs, TARGET_MS)
    big = synthetic(args.activities, args.processors, args.cookies)
    med, best, cpu = measure("Synthetic register", big, args.runs, TARGET_MS)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nSynthetic render + lint: {med:.1f} ms median ({med / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms target),"
          f" best {best:.1f} ms ({best / TARGET_MS:.2f}), CPU {cpu:.1f} ms ({cpu / TARGET_MS:.2f});"
          f" {'within' if med < TARGET_MS else 'OVER'} the target. Load average {load:.1f} on {os.cpu_count()} CPUs.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
