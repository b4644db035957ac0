"""The page tour: every page of every role in every state, looked at the way a person would.

``python -m tour`` (``make tour``) serves the app with the demo data, visits the pages of
:mod:`tour.plan` in German and English at desktop and phone width, writes a screenshot of each page
and of each generated PDF's pages with an index.html, and prints what :mod:`tour.checks` found.
``tests/test_page_tour.py`` runs the same plan and checks in the test suite, without the images.
"""
