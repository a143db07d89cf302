"""The agenda archive through the real app on moto: upload -> S3 -> SQS -> consumer -> views,
versions, the board's full view, tampering found by the check, and bad input refused."""
from __future__ import annotations

import json

import pytest

from tests.agendas_support import AGENDA_MD, minimal_pdf
from tests.integration.agendas_fixtures import bestuur, communicatie, deliver, put  # noqa: F401

JSON = {"accept": "application/json"}
HTML = {"accept": "text/html"}


def header(response, name: str) -> str:
    return {k.lower(): v for k, v in response.headers.items()}.get(name.lower(), "")


def stored_nothing(aws) -> bool:
    staged = aws.s3.list_objects_v2(Bucket=aws.env["UPLOAD_BUCKET"]).get("KeyCount", 0)
    archived = aws.s3.list_object_versions(Bucket=aws.env["ARCHIVE_BUCKET"]).get("Versions", [])
    items = aws.dynamodb.scan(TableName=aws.env["DATA_TABLE"])["Items"]
    uploads = [i for i in items if i["pk"]["S"].startswith(("UPLOAD#", "AGENDA", "MANIFEST"))]
    return staged == 0 and not archived and not uploads


def test_upload_to_manifest_to_public_view_without_besloten_parts_and_the_board_view_with_them(client, aws, bestuur):
    # GIVEN an agenda with a besloten section, uploaded by the board
    response = put(client, "/agendas/2026-12-03", AGENDA_MD.encode(), bestuur)
    assert response.status_code == 202, response.body
    receipt = response.json_body
    assert receipt["besloten"] == ["2. Vrijwilliger in de knel (besloten)"]
    # WHEN the upload bucket's notification reaches the consumer (after S3's test event)
    events = deliver(client, aws)
    assert events[0].get("Event") == "s3:TestEvent"
    # THEN the upload is recorded in the manifest ...
    status = client.http.get(receipt["status_url"], headers=bestuur).json_body
    assert status["status"] == "opgenomen" and status["seq"] == 1
    # ... the public page has no besloten part, in HTML and JSON
    page = client.http.get("/agendas/2026-12-03", headers=HTML)
    assert page.status_code == 200 and "text/html" in header(page, "content-type")
    text = page.body.decode()
    assert "3. Werkgroepen" in text and "VERTROUWELIJK" not in text and "Vrijwilliger in de knel" not in text
    data = client.http.get("/agendas/2026-12-03", headers=JSON).json_body
    assert "VERTROUWELIJK" not in json.dumps(data) and data["besloten_delen"] == 1
    # ... nor does the list, the feed or the public file
    for path in ("/agendas", "/agendas.atom", "/agendas/2026-12-03/bestand", "/agendas/2026-12-03/versies"):
        assert "VERTROUWELIJK" not in client.http.get(path, headers=HTML).body.decode(), path
    # ... and the board reads everything
    full = client.http.get("/agendas/2026-12-03/volledig", headers={**bestuur, **JSON}).json_body
    assert "VERTROUWELIJK-123" in full["html"] and "VERTROUWELIJK-456" in full["markdown"]
    assert full["uploader"] == "Tim Kies"
    full_page = client.http.get("/agendas/2026-12-03/volledig", headers={**bestuur, **HTML}).body.decode()
    assert "VERTROUWELIJK-123" in full_page
    # ... the kalender's marker is there (contract 1)
    item = aws.dynamodb.get_item(TableName=aws.env["DATA_TABLE"],
                                 Key={"pk": {"S": "AGENDA#2026-12-03"}, "sk": {"S": "PUBLIC"}})["Item"]
    assert item["pad"]["S"] == "/agendas/2026-12-03"
    # ... and the archived object is locked in governance mode
    key = "agendas/2026/2026-12-03/agenda.md"
    version = aws.s3.list_object_versions(Bucket=aws.env["ARCHIVE_BUCKET"], Prefix=key)["Versions"][0]
    head = aws.s3.head_object(Bucket=aws.env["ARCHIVE_BUCKET"], Key=key, VersionId=version["VersionId"])
    assert head["ObjectLockMode"] == "GOVERNANCE"
    with pytest.raises(Exception) as refused:
        aws.s3.delete_object(Bucket=aws.env["ARCHIVE_BUCKET"], Key=key, VersionId=version["VersionId"])
    assert "AccessDenied" in str(refused.value)


def test_a_second_upload_makes_a_second_version_with_both_hashes_listed(client, aws, bestuur):
    first = put(client, "/agendas/2026-12-03", AGENDA_MD.encode(), bestuur).json_body
    second = put(client, "/agendas/2026-12-03", (AGENDA_MD + "\n## 4. Rondvraag\n").encode(), bestuur).json_body
    deliver(client, aws)
    listed = client.http.get("/agendas/2026-12-03/versies", headers=JSON).json_body["versies"]
    assert [(v["versie"], v["sha256"]) for v in listed] == [(1, first["sha256"]), (2, second["sha256"])]
    assert all(len(v["hash"]) == 64 for v in listed) and listed[0]["hash"] != listed[1]["hash"]
    page = client.http.get("/agendas/2026-12-03/versies", headers=HTML).body.decode()
    assert first["sha256"] in page and second["sha256"] in page
    assert client.http.get("/agendas/2026-12-03", headers=JSON).json_body["versie"] == 2
    assert "Rondvraag" not in client.http.get("/agendas/2026-12-03?versie=1", headers=JSON).json_body["html"]


def test_a_redelivered_notification_records_nothing_twice(client, aws, bestuur):
    put(client, "/agendas/2026-12-03", AGENDA_MD.encode(), bestuur)
    url = aws.physical["AgendaUploadQueue"]
    messages = []
    while len(messages) < 2:
        messages += aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    records = [{"messageId": f"m{n}-{i}", "receiptHandle": m["ReceiptHandle"], "body": m["Body"], "attributes": {},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "x",
                "awsRegion": "eu-west-1"} for n in range(3) for i, m in enumerate(messages)]
    response = client.lambda_.invoke("agendas_upload_consumer", {"Records": records})
    assert response.payload == {"batchItemFailures": []}
    assert len(client.http.get("/agendas/2026-12-03/versies", headers=JSON).json_body["versies"]) == 1
    versions = aws.s3.list_object_versions(Bucket=aws.env["ARCHIVE_BUCKET"]).get("Versions", [])
    assert len(versions) == 1


def test_tampering_with_an_object_or_a_manifest_entry_is_named_by_the_check(client, aws, bestuur):
    for stuk_path in ("", "/notulen", "/besluitenlijst"):
        put(client, f"/agendas/2026-12-03{stuk_path}", AGENDA_MD.encode(), bestuur)
    deliver(client, aws)
    report = client.http.get("/agendas/controle", headers=bestuur).json_body
    assert report["ok"] and report["entries"] == 3 and report["breuken"] == []
    bucket, table = aws.env["ARCHIVE_BUCKET"], aws.env["DATA_TABLE"]
    # an administrator deletes a locked version with the governance bypass
    key = "agendas/2026/2026-12-03/notulen.md"
    version = aws.s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"][0]["VersionId"]
    aws.s3.delete_object(Bucket=bucket, Key=key, VersionId=version, BypassGovernanceRetention=True)
    # someone writes a version past the API (no manifest entry)
    aws.s3.put_object(Bucket=bucket, Key="agendas/2026/2026-12-03/agenda.md", Body=b"# Vervalst",
                      ChecksumAlgorithm="SHA256")
    # someone edits a manifest entry in the table
    aws.dynamodb.update_item(TableName=table, Key={"pk": {"S": "MANIFEST"}, "sk": {"S": "ENTRY#00000003"}},
                             UpdateExpression="SET uploader = :u", ExpressionAttributeValues={":u": {"S": "X"}})
    report = client.http.get("/agendas/controle", headers=bestuur).json_body
    found = {(b["soort"], b.get("seq")) for b in report["breuken"]}
    assert not report["ok"]
    assert ("object_ontbreekt", 2) in found
    assert ("entry_gewijzigd", 3) in found
    assert any(b["soort"] == "niet_in_manifest" and b["sleutel"].endswith("agenda.md") for b in report["breuken"])


# One moto stack per test, every case against it (a stack per case would cost ~0.7 s each).
TRAVERSAL_AND_BAD_DATES = [
    "/agendas/2026-02-30", "/agendas/2026-13-01", "/agendas/20261203", "/agendas/2026-12-3",
    "/agendas/..%2F..%2Fetc", "/agendas/%2e%2e%2f%2e%2e%2fpasswd", "/agendas/%252e%252e%252f",
    "/agendas/2026-12-03%2F..%2F..", "/agendas/2026-12-03%00", "/agendas/2026-12-03%0A",
    "/agendas/%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-12-03", "/agendas/..%5C..%5Cx", "/agendas/1999-12-31",
    "/agendas/2031-01-01/notulen",
]


def test_invalid_dates_and_traversal_attempts_are_a_400_and_nothing_is_stored(client, aws, bestuur):
    for path in TRAVERSAL_AND_BAD_DATES:
        response = put(client, path, AGENDA_MD.encode(), bestuur)
        assert response.status_code == 400, (path, response.body)
        assert "datum" in response.json_body["errors"], path
        assert stored_nothing(aws), path


BAD_BODIES = [
    ("text/markdown", b"x" * (128 * 1024 + 1), 413),
    ("application/pdf", b"%PDF-1.4\n" + b"0" * (4 * 1024 * 1024) + b"%%EOF", 413),
    ("application/json", b'{"a": 1}', 415),
    ("text/html", b"<h1>x</h1>", 415),
    ("multipart/form-data; boundary=x", b"--x--", 415),
    ("text/markdown; charset=latin-1", b"# x", 415),
    ("application/pdf", b"<html>this is no pdf</html>", 400),
    ("application/pdf", b"%PDF-1.7 but no end marker", 400),
    ("text/markdown", b"# caf\xe9", 400),
    ("text/markdown", b"   \n\n", 400),
    ("text/markdown", b"# a\x00b", 400),
]


def test_oversized_bodies_wrong_content_types_and_broken_files_are_refused_and_nothing_is_stored(
        client, aws, bestuur):
    for content_type, body, status in BAD_BODIES:
        response = put(client, "/agendas/2026-12-03?openbaar=ja", body, bestuur, content_type=content_type)
        assert response.status_code == status, (content_type, body[:30], response.body)
        assert response.json_body["error"], content_type
        assert stored_nothing(aws), content_type


def test_a_wrong_content_type_is_told_which_types_the_route_takes(client, aws, bestuur):
    response = put(client, "/agendas/2026-12-03", b"{}", bestuur, content_type="application/json")
    assert "text/markdown or application/pdf" in response.json_body["errors"]["_body"]


def test_no_token_is_401_and_a_werkgroep_token_is_403_and_nothing_is_stored(client, aws, communicatie):
    assert put(client, "/agendas/2026-12-03", AGENDA_MD.encode(), {}).status_code == 401
    assert put(client, "/agendas/2026-12-03", AGENDA_MD.encode(), communicatie).status_code == 403
    assert client.http.get("/agendas/2026-12-03/volledig", headers=communicatie).status_code == 403
    assert stored_nothing(aws)


def test_a_board_only_pdf_is_listed_but_not_readable_and_withdraws_the_kalender_marker(client, aws, bestuur):
    put(client, "/agendas/2026-12-03", AGENDA_MD.encode(), bestuur)
    deliver(client, aws)
    pdf = put(client, "/agendas/2026-12-03?openbaar=nee&titel=Agenda%20met%20bijlagen", minimal_pdf(), bestuur,
              content_type="application/pdf")
    assert pdf.status_code == 202, pdf.body
    deliver(client, aws)
    data = client.http.get("/agendas/2026-12-03", headers=JSON).json_body
    assert data["versie"] == 2 and not data["zichtbaar"] and "html" not in data
    assert client.http.get("/agendas/2026-12-03/bestand", headers=JSON).status_code == 404
    assert not client.http.get("/agendas/2026-12-03?versie=1", headers=JSON).json_body["zichtbaar"]
    item = aws.dynamodb.get_item(TableName=aws.env["DATA_TABLE"],
                                 Key={"pk": {"S": "AGENDA#2026-12-03"}, "sk": {"S": "PUBLIC"}})
    assert "Item" not in item
    full = client.http.get("/agendas/2026-12-03/volledig", headers={**bestuur, **JSON}).json_body
    assert full["download_url"].startswith("https://") and "versionId=" in full["download_url"]


def test_a_public_pdf_is_served_by_a_short_lived_link_to_its_archived_version(client, aws, bestuur):
    put(client, "/agendas/2026-12-03/besluitenlijst?openbaar=ja", minimal_pdf("Besluiten"), bestuur,
        content_type="application/pdf")
    deliver(client, aws)
    response = client.http.get("/agendas/2026-12-03/bestand?stuk=besluitenlijst")
    assert response.status_code == 302
    location = header(response, "location")
    assert "versionId=" in location and "X-Amz-Expires=300" in location
    assert "response-content-type=application%2Fpdf" in location


def test_a_presigned_upload_is_handed_out_for_a_large_pdf(client, aws, bestuur):
    response = client.http.post("/agendas/2026-12-03/upload", headers={**bestuur, "content-type": "application/json"},
                                body=json.dumps({"stuk": "notulen", "openbaar": True}))
    assert response.status_code == 201, response.body
    upload = response.json_body["upload"]
    assert upload["fields"]["key"] == f"uploads/{response.json_body['upload_id']}"
    assert upload["fields"]["Content-Type"] == "application/pdf"
    policy = json.loads(__import__("base64").b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, 50 * 1024 * 1024] in policy["conditions"]
    # and without the public flag, nothing is handed out
    refused = client.http.post("/agendas/2026-12-03/upload", headers={**bestuur, "content-type": "application/json"},
                               body=json.dumps({"stuk": "notulen"}))
    assert refused.status_code == 400 and "openbaar" in refused.json_body["errors"]


def test_the_draft_for_a_date_in_2026_flags_every_seeded_term_as_ended(client, aws, bestuur):
    response = client.http.post("/agendas/2026-12-03/concept", headers=bestuur)
    assert response.status_code == 200 and header(response, "content-type").startswith("text/markdown")
    text = response.body.decode()
    rows = [line for line in text.splitlines() if line.startswith("| ") and "2022-08-21" in line]
    assert len(rows) == 5 and all("termijn afgelopen" in row for row in rows)
    assert client.http.post("/agendas/2026-02-30/concept", headers=bestuur).status_code == 400


def test_the_board_edits_the_roster_from_scripts(client, aws, bestuur):
    roster = client.http.get("/bestuur/rooster", headers=bestuur).json_body["leden"]
    assert {m["naam"] for m in roster} == {"Latifa Salmi", "Yuval Gal", "Martijn Schackmann", "Nadine Avéres",
                                           "Tim Kies"}
    body = {"naam": "Tim Kies", "functie": "penningmeester", "portefeuille": "Werkgroep organizing",
            "werkgroep": "organizing", "start": "2024-09-01", "einde": "2026-09-01", "herbenoemd": "1"}
    changed = client.http.request("PUT", "/bestuur/rooster/tim-kies", body=json.dumps(body),
                                  headers={**bestuur, "content-type": "application/json"})
    assert changed.status_code == 200 and changed.json_body["gewijzigd_door"] == "Tim Kies"
    bad = client.http.request("PUT", "/bestuur/rooster/tim-kies", body=json.dumps({**body, "einde": "2020-01-01"}),
                              headers={**bestuur, "content-type": "application/json"})
    assert bad.status_code == 400 and "einde" in bad.json_body["errors"]
    # a control character in a name would later break every draft agenda (its upload refuses it)
    for field in ("naam", "functie", "portefeuille"):
        broken = client.http.request("PUT", "/bestuur/rooster/tim-kies",
                                     body=json.dumps({**body, field: "Tim\u0001 Kies\u202e"}),
                                     headers={**bestuur, "content-type": "application/json"})
        assert broken.status_code == 400 and set(broken.json_body["errors"]) == {field}
    assert client.http.post("/agendas/2026-12-15/concept", headers=bestuur).status_code == 200
    assert client.http.request("DELETE", "/bestuur/rooster/yuval-gal", headers=bestuur).status_code == 200
    roster = {m["id"]: m for m in client.http.get("/bestuur/rooster", headers=bestuur).json_body["leden"]}
    assert "yuval-gal" not in roster and roster["tim-kies"]["herbenoemd"] == 1


@pytest.mark.parametrize("titel", ["Agenda\u0000<script>", "a\u0001b", "x\u007fy", "z\u009bq"])
def test_a_title_with_a_control_character_is_a_400_and_the_feed_stays_well_formed_xml(
        client, aws, bestuur, titel):
    # found by the XSS corpus test: a NUL in ?titel= went into the Atom feed, which XML 1.0
    # forbids: every feed reader then refuses the whole feed
    import xml.etree.ElementTree as ET
    from urllib.parse import urlencode

    response = put(client, "/agendas/2026-11-03?" + urlencode({"titel": titel}), AGENDA_MD.encode(), bestuur)
    assert response.status_code == 400 and set(json.loads(response.body)["errors"]) == {"titel"}
    deliver(client, aws)
    assert stored_nothing(aws)
    ET.fromstring(client.http.get("/agendas.atom").body.decode())
