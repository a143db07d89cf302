"""What the system costs on AWS per month, computed from the requests each activity makes.

`python -m infra.cost` prints the tables of docs/cost.md (a test checks that the doc shows
exactly what this prints). Three inputs, each written down here with where it comes from:

- PRICES: eu-west-1 unit prices, each with its source and the date it was read.
- ACTIVITIES: the AWS requests one activity makes (a report, a newsletter, ...), counted from
  the code (file references beside each); the meldpunt report's are also measured under moto
  (tests/integration/test_cost.py counts its botocore calls).
- SCENARIOS: how often each activity happens per month, for this afdeling and nationally.
  The fixed part (keys, alarms, polled queues, schedules) is read from infra/template.json and
  the functions' cron expressions, so it follows the template.

Mailchimp's own price is out of scope (the afdeling pays it already, per audience size).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ_ON = "2026-12-01"


@dataclass(frozen=True)
class Price:
    usd: float        # per single unit
    unit: str
    source: str
    per: int = 1      # shown per this many units

    def shown(self) -> str:
        return f"{self.usd * self.per:.4g}" + (f" per {self.per:,}" if self.per > 1 else "")


# "stored page" = the page as kept by the search tool (no live web here), read on READ_ON.
# Where the stored page quotes us-east-1 only, the eu-west-1 figure is the last one known to us
# (noted as such); check https://calculator.aws before relying on a cent.
PRICES: dict[str, Price] = {
    "api_request": Price(3.50 / 1e6, "REST API request (first 333 M a month)",
                         "docs.aws.amazon.com whitepaper 'API Gateway private APIs: cost optimization' "
                         "(stored page); eu-west-1 the same (last known)", per=1_000_000),
    "lambda_request": Price(0.20 / 1e6, "Lambda request",
                            "aws.amazon.com/lambda/pricing and cloudchipr.com 'AWS Lambda pricing' "
                            "(stored pages, us-east-1); eu-west-1 the same (last known)", per=1_000_000),
    "lambda_gb_second": Price(0.0000166667, "GB-second, x86",
                              "cloudchipr.com 'AWS Lambda pricing' (stored page); eu-west-1 the same (last known)"),
    "sqs_request": Price(0.40 / 1e6, "SQS standard request (64 KB chunk)",
                         "cloudburn.io 'Amazon SQS pricing' 2026-03, unanswered.io SQS guide (stored pages, "
                         "us-east-1); eu-west-1 the same (last known)", per=1_000_000),
    "dynamodb_wru": Price(0.7068 / 1e6, "on-demand write request unit",
                          "not in the stored pages for eu-west-1 (they give us-east-1 $0.625 after the "
                          "2024-11 halving: airbyte.com); last known eu-west-1 figure", per=1_000_000),
    "dynamodb_rru": Price(0.1413 / 1e6, "on-demand read request unit",
                          "as for write units: us-east-1 $0.125 (airbyte.com); last known eu-west-1 figure", per=1_000_000),
    "dynamodb_storage_gb": Price(0.283, "GB-month stored (first 25 GB free)",
                                 "last known eu-west-1 figure (no stored page)"),
    "dynamodb_pitr_gb": Price(0.22, "GB-month of point-in-time recovery",
                              "last known eu-west-1 figure (no stored page)"),
    "kms_key": Price(1.00, "customer managed key-month (+1 after each of its first two rotations)",
                     "aws.amazon.com/kms/pricing (stored page); rotation cap: canglad.com on the "
                     "2024-04 change"),
    "kms_request": Price(0.03 / 1e4, "KMS request (20,000 free a month)",
                         "aws.amazon.com/kms/pricing, wring.co KMS guide 2026-03 (stored pages)", per=10_000),
    "s3_write": Price(0.005 / 1e3, "S3 PUT, POST, LIST request",
                      "cloudkaramchari.com on S3 request pricing (stored page); eu-west-1 the same (last known)", per=1_000),
    "s3_read": Price(0.0004 / 1e3, "S3 GET request", "last known eu-west-1 figure", per=1_000),
    "s3_storage_gb": Price(0.023, "GB-month, S3 Standard", "last known eu-west-1 figure"),
    "ses_email": Price(0.10 / 1e3, "e-mail sent with SES",
                       "acecloudinterviews.com SES tutorial (stored page: 'starting at $0.10 per thousand')", per=1_000),
    "cloudwatch_alarm": Price(0.10, "standard-resolution alarm-month (10 free)",
                              "free tier: aws.amazon.com/cloudwatch/pricing (stored page); price: last known"),
    "cloudwatch_logs_gb": Price(0.57, "GB of logs ingested (5 GB free, with storage and queries)",
                                "free tier: aws.amazon.com/cloudwatch/pricing (stored page); eu-west-1 price: last known"),
    "sns_email": Price(2.00 / 1e5, "e-mail notification (1,000 free)", "last known figure", per=100_000),
    "eventbridge_schedule": Price(0.0, "scheduled rule invocation",
                                  "wring.co and cloudburn.io EventBridge guides 2026-03 (stored pages): "
                                  "events from AWS (a schedule's source is aws.events) are free"),
}

# Always-free amounts per account and month (the 12-month offers, such as 1 M API Gateway
# requests for new accounts, are left out: the bill after the first year is what lasts).
FREE = {"lambda_request": 1e6, "lambda_gb_second": 400_000, "sqs_request": 1e6,
        "kms_request": 20_000, "cloudwatch_alarm": 10, "cloudwatch_logs_gb": 5,
        "dynamodb_storage_gb": 25, "sns_email": 1_000}

# Lambda's SQS event source long-polls every queue it consumes, messages or not. AWS does not
# publish how many pollers; 5 pollers with 20 s long polls is the usual observation. Measure
# NumberOfEmptyReceives (a free SQS metric) after deploying and correct these two numbers.
SQS_POLLERS_PER_QUEUE = 5
SQS_LONG_POLL_SECONDS = 20
SECONDS_PER_MONTH = 30.44 * 86_400
LOG_KB_PER_INVOCATION = 0.7  # START/END/REPORT lines plus two or three log_event lines
MEMORY_GB = 0.25             # .chalice/config.json lambda_memory_size 256 (uploads: 512)


@dataclass(frozen=True)
class Usage:
    """The AWS requests of one activity (fractions are averages, e.g. 30 % with contact)."""
    api: float = 0          # API Gateway requests
    lambdas: float = 0      # Lambda invocations (handlers, consumers, authorizers)
    lambda_ms: float = 0    # their billed milliseconds in all (cold starts included)
    sqs: float = 0          # SQS requests beyond the event source's polling (send, delete)
    wru: float = 0          # DynamoDB write request units (a transactional item counts 2 per KB)
    rru: float = 0          # DynamoDB read request units
    kms: float = 0          # KMS requests (Encrypt, Decrypt, GenerateDataKey)
    s3_write: float = 0
    s3_read: float = 0
    ses: float = 0


CONTACT_SHARE = 0.3  # reports asking to be contacted (assumption)
ACTIVITIES: dict[str, tuple[str, Usage]] = {
    # GET /meldpunt (form) + POST /meldpunt: Encrypt the description (+ the contact details),
    # claim the form token (PutItem, 1 KB), SendMessage (functions/meldpunt/intake.py ontvang,
    # plaats); the consumer's one TransactWriteItems: report (~1.5 KB: 2 KB x 2), receipt,
    # history (+ contact) at 2 units each (intake.py bewaar); Lambda deletes the message.
    "meldpunt_melding": ("a meldpunt report (form, submit, store)", Usage(
        api=2, lambdas=3, lambda_ms=60 + 150 + 200, sqs=2,
        wru=1 + 4 + 2 + 2 + 2 * CONTACT_SHARE, kms=1 + CONTACT_SHARE)),
    # werkgroep: the list, the report (Decrypt), two status changes (a transaction of the
    # report, a history item and the month's counter cells: functions/meldpunt/review.py),
    # and for 30 % the contact view (Decrypt, history first); authorizer answers cached 5 min.
    "meldpunt_review": ("reviewing one report (list, read, two status changes)", Usage(
        api=4 + CONTACT_SHARE, lambdas=4 + CONTACT_SHARE + 2, lambda_ms=6 * 80,
        rru=8 + 2 + 2, wru=2 * (4 + 2 + 2) + 2 * CONTACT_SHARE, kms=1 + CONTACT_SHARE)),
    # GET /meldpunt/cijfers: the counter cells of the chosen months (functions/meldpunt/cijfers.py)
    "meldpunt_cijfers": ("a view of the public meldpunt figures", Usage(
        api=1, lambdas=1, lambda_ms=80, rru=6)),
    # /, /kalender, /doelen, /agendas: one request each; kalender and agendas read a few items
    "pagina": ("a public page view", Usage(api=1, lambdas=1, lambda_ms=60, rru=2)),
    # a calendar app refreshing a subscribed .ics feed (the feed asks for PT6H); a 304 costs the same
    "ics": ("a calendar app refreshing its .ics feed", Usage(api=1, lambdas=1, lambda_ms=70, rru=3)),
    # GET + POST /nieuwsbrief/aanmelden, SendMessage; the consumer upserts in Mailchimp
    # (functions/nieuwsbrief/aanmelden.py): no table, no KMS
    "aanmelding": ("a newsletter signup", Usage(api=2, lambdas=3, lambda_ms=60 + 80 + 400, sqs=2)),
    # one monthly newsletter: the schedule queues SAMENSTELLEN, the consumer composes (reads
    # kalender, doelen, articles; writes the state) and creates the campaign; articles and
    # approval from the beheer pages; the approval queues VERSTUREN, the consumer schedules it
    # (functions/nieuwsbrief/uitgave.py)
    "nieuwsbrief": ("a monthly newsletter (compose, 5 articles, approve, send)", Usage(
        api=10, lambdas=10 + 2 + 3, lambda_ms=10 * 80 + 2 * 2500, sqs=4, rru=40, wru=30)),
    # one meeting: the daily job queues the invitation and the reminder (a marker put and a
    # transaction each), the consumer sends each as a Mailchimp campaign, holding the marker
    # (functions/kalender/uitnodigingen.py)
    "bijeenkomst": ("a meeting: its invitation and reminder mails", Usage(
        lambdas=2, lambda_ms=2 * 2000, sqs=4, rru=2 * 4, wru=2 * (1 + 2) + 2 * 3 * 2)),
    # POST RSVP: one counter add (functions/kalender/rsvp.py)
    "rsvp": ("an RSVP to a meeting", Usage(api=1, lambdas=1, lambda_ms=60, wru=1)),
    # one agenda document: PUT to the API (upload item, staged S3 PUT with SSE-KMS), S3's
    # notification to the queue (SendMessage, delete), the consumer reads the staged file, lists
    # versions (crash check), writes the archive version and one transaction of the manifest
    # entry, head, version, index, marker and upload status (functions/agendas/archief.py)
    "agendastuk": ("an agenda, minutes or decisions document archived", Usage(
        api=1, lambdas=3, lambda_ms=100 + 80 + 2 * 800, sqs=2, rru=4, wru=1 + 6 * 2 * 2,
        kms=3, s3_write=3, s3_read=1)),
    # a board member or werkgroep reading a beheer page or calling a script API
    "beheer": ("a beheer page or script request", Usage(api=1, lambdas=1.2, lambda_ms=90, rru=3)),
    # an op-afspraak request: the form, the queue, the SES confirmation (functions/kalender/afspraak.py)
    "afspraak": ("an op-afspraak request with its confirmation mail", Usage(
        api=2, lambdas=3, lambda_ms=60 + 80 + 300, sqs=2, wru=1 + 2 + 2, rru=1, ses=1)),
}

# The scheduled functions (their cron expressions in functions/*/routes.py) per month, and
# what one run reads: the retention job reads every stored report once a day through the
# index (eventually consistent: half a unit per 4 KB).
SCHEDULES = {
    "meldpunt_retentie (daily)": 30.44,
    "kalender_retentie (daily)": 30.44,
    "kalender_uitnodigingen (daily)": 30.44,
    "nieuwsbrief_samenstellen (twice daily)": 2 * 30.44,
    "meldpunt_digest (weekly)": 30.44 / 7,
}
SCHEDULE_MS = 800
REPORT_KB = 2.0          # a stored report with its receipt, history and (some) contact items
REPORT_MONTHS_KEPT = 12  # the description is deleted after 12 months (docs/privacy.md)
AGENDA_MB = 0.5          # one PDF or Markdown document


@dataclass(frozen=True)
class Scenario:
    name: str
    stacks: int                 # one stack per afdeling, all in one AWS account
    per_month: dict[str, float]


MEETINGS = 2.2 + 3 * 2.2 + 1 + 0.5  # board and 3 werkgroepen fortnightly, monthly, themaBIJ1komst
SCENARIOS = [
    Scenario("Den Haag (300 members)", 1, {
        "meldpunt_melding": 300 / 12, "meldpunt_review": 300 / 12, "meldpunt_cijfers": 100,
        "pagina": 1_500, "ics": 50 * 4 * 30.44, "aanmelding": 10, "nieuwsbrief": 1,
        "bijeenkomst": MEETINGS, "rsvp": 60, "agendastuk": 4, "beheer": 400, "afspraak": 5}),
    Scenario("national (20 afdelingen, 10,000 members)", 20, {
        "meldpunt_melding": 20_000, "meldpunt_review": 20_000, "meldpunt_cijfers": 2_000,
        "pagina": 50_000, "ics": 1_667 * 4 * 30.44, "aanmelding": 333, "nieuwsbrief": 20,
        "bijeenkomst": 20 * MEETINGS, "rsvp": 2_000, "agendastuk": 80, "beheer": 8_000, "afspraak": 100}),
]


def template_facts(path: Path = ROOT / "infra" / "template.json") -> dict[str, int]:
    """Per stack: customer managed keys, alarms, queues a Lambda event source polls."""
    resources = json.loads(path.read_text())["Resources"]
    polled = {e["Properties"]["Queue"]["Fn::Sub"] for r in resources.values()
              for e in r.get("Properties", {}).get("Events", {}).values()
              if isinstance(e.get("Properties", {}).get("Queue"), dict)}
    return {"kms_keys": sum(r.get("Type") == "AWS::KMS::Key" for r in resources.values()),
            "alarms": sum(r.get("Type") == "AWS::CloudWatch::Alarm" for r in resources.values()),
            "polled_queues": len(polled)}


def usage_of(scenario: Scenario, facts: dict[str, int]) -> dict[str, float]:
    """Billable quantities per month (before the free tier)."""
    total = {k: 0.0 for k in ("api", "lambdas", "lambda_ms", "sqs", "wru", "rru", "kms",
                              "s3_write", "s3_read", "ses")}
    for activity, count in scenario.per_month.items():
        usage = ACTIVITIES[activity][1]
        for key in total:
            total[key] += getattr(usage, key) * count
    stored_reports = scenario.per_month["meldpunt_melding"] * REPORT_MONTHS_KEPT
    table_gb = stored_reports * REPORT_KB / 1e6
    runs = sum(SCHEDULES.values()) * scenario.stacks
    total["lambdas"] += runs
    total["lambda_ms"] += runs * SCHEDULE_MS
    retention_reads = 30.44 * stored_reports * REPORT_KB / 4 * 0.5
    total["rru"] += retention_reads + runs * 2
    polls = SECONDS_PER_MONTH / SQS_LONG_POLL_SECONDS * SQS_POLLERS_PER_QUEUE
    years = 10  # the archive keeps every version for 10 years (Object Lock): its size then
    return {
        "api_request": total["api"],
        "lambda_request": total["lambdas"],
        "lambda_gb_second": total["lambda_ms"] / 1000 * MEMORY_GB,
        "sqs_request": total["sqs"] + polls * facts["polled_queues"] * scenario.stacks,
        "dynamodb_wru": total["wru"],
        "dynamodb_rru": total["rru"],
        "dynamodb_storage_gb": table_gb,
        "dynamodb_pitr_gb": table_gb,
        "kms_key": facts["kms_keys"] * scenario.stacks,
        "kms_request": total["kms"],
        "s3_write": total["s3_write"],
        "s3_read": total["s3_read"],
        "s3_storage_gb": scenario.per_month["agendastuk"] * 12 * years * AGENDA_MB / 1000,
        "ses_email": total["ses"],
        "cloudwatch_alarm": facts["alarms"] * scenario.stacks,
        "cloudwatch_logs_gb": total["lambdas"] * LOG_KB_PER_INVOCATION / 1e6,
        "sns_email": 0,
        "eventbridge_schedule": runs,
    }


SERVICE = {"api_request": "API Gateway (REST)", "lambda_request": "Lambda requests",
           "lambda_gb_second": "Lambda duration", "sqs_request": "SQS",
           "dynamodb_wru": "DynamoDB writes", "dynamodb_rru": "DynamoDB reads",
           "dynamodb_storage_gb": "DynamoDB storage", "dynamodb_pitr_gb": "DynamoDB PITR",
           "kms_key": "KMS keys", "kms_request": "KMS requests", "s3_write": "S3 PUT/LIST",
           "s3_read": "S3 GET", "s3_storage_gb": "S3 storage (after 10 years)", "ses_email": "SES",
           "cloudwatch_alarm": "CloudWatch alarms", "cloudwatch_logs_gb": "CloudWatch Logs",
           "sns_email": "SNS (alarm mails)", "eventbridge_schedule": "EventBridge schedules"}


def costs(scenario: Scenario, facts: dict[str, int]) -> list[tuple[str, float, float, float]]:
    """(meter, quantity, free, USD after the free tier) per meter."""
    out = []
    for meter, quantity in usage_of(scenario, facts).items():
        free = min(quantity, FREE.get(meter, 0))
        out.append((meter, quantity, free, (quantity - free) * PRICES[meter].usd))
    return out


def _qty(value: float) -> str:
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if value >= 0.01 else f"{value:.4f}"


def tables() -> str:
    """The Markdown of docs/cost.md between its markers."""
    facts = template_facts()
    lines = [f"Per stack, from infra/template.json: {facts['kms_keys']} customer managed KMS keys, "
             f"{facts['alarms']} alarms, {facts['polled_queues']} queues polled by Lambda "
             f"({SQS_POLLERS_PER_QUEUE} pollers x one {SQS_LONG_POLL_SECONDS} s long poll = "
             f"{SECONDS_PER_MONTH / SQS_LONG_POLL_SECONDS * SQS_POLLERS_PER_QUEUE:,.0f} receives a month each).", ""]
    for scenario in SCENARIOS:
        rows = costs(scenario, facts)
        total = sum(r[3] for r in rows)
        lines += [f"### {scenario.name}: {total:.2f} USD a month", "",
                  "| activity | per month |", "|---|---:|"]
        lines += [f"| {ACTIVITIES[a][0]} | {_qty(n)} |" for a, n in scenario.per_month.items()]
        lines += ["", "| service | quantity | free tier | USD a month |", "|---|---:|---:|---:|"]
        lines += [f"| {SERVICE[m]} | {_qty(q)} | {_qty(f)} | {c:.2f} |" for m, q, f, c in rows]
        lines += [f"| **total** | | | **{total:.2f}** |", ""]
        keys = dict((m, q) for m, q, _, _ in rows)["kms_key"]
        lines += [f"From the third year on each key has been rotated twice (3 USD a key-month): "
                  f"{total + 2 * keys * PRICES['kms_key'].usd:.2f} USD a month.", ""]
    lines += ["### Prices used (eu-west-1, USD, read " + READ_ON + ")", "",
              "| meter | price | unit | source |", "|---|---:|---|---|"]
    lines += [f"| {SERVICE[m]} | {p.shown()} | {p.unit} | {p.source} |" for m, p in PRICES.items()]
    lines += ["", "### Requests per activity (from the code)", "",
              "| activity | API | Lambda | Lambda ms | SQS | DynamoDB WRU | RRU | KMS | S3 PUT | S3 GET | SES |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, (label, u) in ACTIVITIES.items():
        lines.append(f"| {label} | " + " | ".join(_qty(v) for v in (
            u.api, u.lambdas, u.lambda_ms, u.sqs, u.wru, u.rru, u.kms, u.s3_write, u.s3_read, u.ses)) + " |")
    return "\n".join(lines) + "\n"


def total(scenario_index: int) -> float:
    return sum(r[3] for r in costs(SCENARIOS[scenario_index], template_facts()))


if __name__ == "__main__":
    sys.stdout.write(tables())
