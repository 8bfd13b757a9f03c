"""Text on the way out: catalogs (i18n), GSM 03.38 rendering and SMS part counting (gsm)."""
