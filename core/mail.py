"""Outgoing mail, always sent by a job after the transaction that caused it has committed."""
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlparse

from flask import current_app

from core.jobs import job

log = logging.getLogger("vip.mail")


@job("mail")
def send_mail(to: str, subject: str, body: str) -> None:
    conf = current_app.config
    sent = current_app.extensions.setdefault("vip_sent_mail", [])
    if conf.get("MAIL_BACKEND", "log") != "smtp":
        log.info("mail to %s: %s\n%s", to, subject, body)
        sent.append({"to": to, "subject": subject, "body": body})
        return
    url = urlparse(conf["SMTP_URL"])
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = conf["MAIL_FROM"], to, subject
    msg.set_content(body)
    with smtplib.SMTP(url.hostname, url.port or 587, timeout=30) as smtp:
        smtp.starttls()
        if url.username:
            smtp.login(url.username, url.password or "")
        smtp.send_message(msg)
