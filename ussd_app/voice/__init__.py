"""Voice reminders: recorded messages by phone call for women who cannot read, SMS as fallback.

- channels.py: her choice (SMS, call or both) and her "stop these calls".
- fragments.py: which recorded fragments a message plays (the fragment scheme).
- recordings.py, audio.py, storage.py: the recordings, checked and stored behind an interface.
- routing.py: a reminder becomes a call, an SMS, or both.
- gateway.py, calls.py: the RQ job that places a call through Africa's Talking Voice.
- webhooks.py, xml.py: the gateway's callbacks (answer, digits, end of call) and the media URLs.
"""
