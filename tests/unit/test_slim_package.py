"""`make package` leaves the test suites of wheels out of the deployment zip, nothing else."""
import zipfile

from infra.slim_package import slim


def test_slim_drops_icalendars_tests_and_keeps_everything_else(tmp_path):
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name in ("app.py", "icalendar/__init__.py", "icalendar/tests/test_x.py",
                     "icalendar/tests/calendars/a.ics", "functions/kalender/tests_helpers.py"):
            z.writestr(name, "x" * 1000)
    before, after = slim(path)
    assert after < before
    assert zipfile.ZipFile(path).namelist() == ["app.py", "icalendar/__init__.py",
                                                 "functions/kalender/tests_helpers.py"]
