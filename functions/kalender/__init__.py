"""Kalender: the afdeling's meeting series as data, their occurrences, the public calendars
(HTML, JSON, iCalendar), changes from scripts, the "op afspraak" form, RSVP, and the
invitations that go out exactly once. See docs/kalender.md.

What other areas use:
- ``functions.kalender.activiteiten.activiteiten_tussen(table, start, end)``: every public
  occurrence in [start, end) (the newsletter);
- ``functions.kalender.afspraak.verzoeken_voor(table, datum)``: the op-afspraak requests for
  the board meeting(s) on that date (the board's draft agenda).
"""
