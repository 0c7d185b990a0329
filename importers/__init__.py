"""Importers: read contractors' survey files into the registry.

Reading (`importers.sources.read_survey`) turns any survey file into a clean, honest
`RawSurvey`: text decoded right, coordinates in CGCS2000, and notes saying what was detected
or assumed. Field mapping, value normalisation and validation build on top of it.
"""
