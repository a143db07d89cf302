"""Beheer: the pages in the browser for the token-holding roles (bestuur and the werkgroepen).

``sessie``: a browser session of a token (sign in, sign out, an end of its own);
``pagina``: the layout and the declaration of a beheer page (path, template, who may use it);
``meldpunt``: what the meldpunt review pages need. Decision: docs/decisions/012. Nothing
heavy is imported here: the authorizers import ``functions.beheer.sessie``.
"""
