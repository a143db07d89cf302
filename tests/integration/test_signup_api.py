"""The signup routes through chalice.test against moto: form and JSON, errors, outage."""
import json

from functions import wiring
from functions.adapters.queue import FakeQueue

FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}


def queued(aws):
    messages = aws.sqs.receive_message(QueueUrl=aws.env["SIGNUP_QUEUE_URL"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_form_in_dutch_by_default_and_english_on_request(client):
    assert 'lang="nl"' in client.http.get("/nieuwsbrief/aanmelden").body.decode()
    english = client.http.get("/nieuwsbrief/aanmelden", headers={"accept-language": "en-GB,en"})
    assert "Sign up for the newsletter" in english.body.decode()


def test_browser_signup_is_queued_and_answered_with_check_your_inbox(client, aws):
    response = client.http.post("/nieuwsbrief/aanmelden", headers=FORM,
                                body="email=sam%40example.org&voornaam=Sam&werkgroepen=organizing")
    assert response.status_code == 200
    assert "Kijk in je inbox" in response.body.decode()
    assert queued(aws) == [{"kind": "nieuwsbrief.aanmelden", "email": "sam@example.org",
                            "voornaam": "Sam", "werkgroepen": ["organizing"], "lang": "nl"}]


def test_json_signup_is_accepted_with_202(client, aws):
    response = client.http.post("/nieuwsbrief/aanmelden", headers={"content-type": "application/json"},
                                body=json.dumps({"email": "sam@example.org"}))
    assert response.status_code == 202
    assert len(queued(aws)) == 1


def test_bad_email_rerenders_the_form_with_the_values_and_queues_nothing(client, aws):
    response = client.http.post("/nieuwsbrief/aanmelden?lang=en", headers=FORM,
                                body="email=sam%40&voornaam=%3Cb%3ESam%3C%2Fb%3E&werkgroepen=communicatie")
    page = response.body.decode()
    assert response.status_code == 400
    assert 'value="sam@"' in page
    assert "&lt;b&gt;Sam&lt;/b&gt;" in page and "<b>Sam" not in page
    assert 'value="communicatie" checked' in page
    assert 'href="#email"' in page and 'aria-invalid="true"' in page
    assert "Enter a valid email address" in page
    assert queued(aws) == []


def test_json_errors_name_the_field(client):
    response = client.http.post("/nieuwsbrief/aanmelden", headers={"content-type": "application/json"},
                                body=json.dumps({"email": "nope", "werkgroepen": ["x"]}))
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"email", "werkgroepen"}


def test_queue_outage_gives_503_and_keeps_what_was_typed(client):
    down = FakeQueue()
    down.fail = True
    wiring.override(signup_queue=down)
    response = client.http.post("/nieuwsbrief/aanmelden", headers=FORM,
                                body="email=sam%40example.org&voornaam=Sam")
    assert response.status_code == 503
    page = response.body.decode()
    assert 'value="sam@example.org"' in page and 'value="Sam"' in page
    assert "Kijk in je inbox" not in page


def test_client_mistakes_are_4xx_never_500(client):
    cases = [
        ({"content-type": "application/x-www-form-urlencoded"}, b"email=%ff"),
        ({"content-type": "application/json"}, b"{broken"),
        ({"content-type": "application/json"}, b'{"email": {"nested": 1}}'),
        ({"content-type": "application/x-www-form-urlencoded"}, b"email=" + b"a" * 40000),
        ({"content-type": "text/plain"}, b"hello"),
    ]
    for headers, body in cases:
        status = client.http.post("/nieuwsbrief/aanmelden", headers=headers, body=body).status_code
        assert 400 <= status < 500, (headers, body[:20], status)
