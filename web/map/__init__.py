"""The web map: the page at ``/``, its style, and the ``/api`` JSON it reads and exports."""
