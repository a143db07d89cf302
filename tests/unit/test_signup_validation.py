import pytest

from functions.adapters.queue import FakeQueue
from functions.errors import TemporarilyUnavailable, ValidationError
from functions.http import FormData
from functions.nieuwsbrief import aanmelden


def form(**fields) -> FormData:
    return FormData({k: v if isinstance(v, list) else [v] for k, v in fields.items()})


def test_a_valid_signup_is_queued_with_its_interests():
    queue = FakeQueue()
    signup = aanmelden.validate(form(email=" sam@example.org ", voornaam="Sam",
                                     werkgroepen=["organizing", "organizing", "communicatie"]), "en")
    aanmelden.request_signup(signup, queue)
    assert queue.sent == [{"kind": "nieuwsbrief.aanmelden", "email": "sam@example.org", "voornaam": "Sam",
                           "werkgroepen": ["organizing", "communicatie"], "lang": "en"}]


@pytest.mark.parametrize("email,key", [
    ("", "error.email_required"),
    ("geen-apenstaartje", "error.email_invalid"),
    ("a@b", "error.email_invalid"),
    ("a b@example.org", "error.email_invalid"),
    ("x" * 250 + "@example.org", "error.email_invalid"),
])
def test_bad_email_is_a_field_error(email, key):
    with pytest.raises(ValidationError) as exc:
        aanmelden.validate(form(email=email, voornaam="Sam", werkgroepen=["organizing"]), "nl")
    assert exc.value.errors == {"email": key}


def test_unknown_werkgroep_is_refused():
    with pytest.raises(ValidationError) as exc:
        aanmelden.validate(form(email="sam@example.org", werkgroepen=["bestuur"]), "nl")
    assert exc.value.errors == {"werkgroepen": "error.unknown_choice"}


def test_a_queue_outage_surfaces_instead_of_a_false_thank_you():
    queue = FakeQueue()
    queue.fail = True
    signup = aanmelden.validate(form(email="sam@example.org"), "nl")
    with pytest.raises(TemporarilyUnavailable):
        aanmelden.request_signup(signup, queue)
