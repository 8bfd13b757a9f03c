"""DHIS2 monthly reports: this service's aggregates per CSCom and month, pushed as dataValueSets.

mapping.py reads the operator's mapping file (our indicator -> data element, CSCom -> org unit),
indicators.py counts a month in the database, client.py talks to the DHIS2 Web API, push.py
records each push and its import summary (table `dhis2_pushes`), schedule.py runs it monthly.
"""
