"""``flask demo ...``, ``flask jobs ...``, ``flask config-doc``."""
import click
from flask.cli import AppGroup


demo_cli = AppGroup("demo", help="The demo tenants.")
jobs_cli = AppGroup("jobs", help="The job outbox.")


def _print_logins(logins):
    from core.demo import DEMO_PASSWORD
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for workplace, email, name in logins:
        click.echo(f"  {workplace:<14} {email:<34} {name}")


@demo_cli.command("seed")
def demo_seed():
    """Create four demo tenants (hotel, retail, bank, postal) with staff; print the logins."""
    from core.demo import seed
    try:
        logins = seed()
    except RuntimeError as e:
        raise click.ClickException(str(e)) from None
    _print_logins(logins)


@demo_cli.command("ensure")
def demo_ensure():
    """Seed the demo if the database has no tenant yet; print the logins either way."""
    from core.demo import TENANTS, is_empty, seed, PLATFORM_ADMIN
    if is_empty():
        _print_logins(seed())
    else:
        from core.demo import DEMO_PASSWORD
        click.echo(f"\nThe database already has data. Demo logins, if it holds the demo "
                   f"(password {DEMO_PASSWORD}):")
        click.echo(f"  {PLATFORM_ADMIN[0]}")
        for t in TENANTS:
            click.echo(f"  {t.owner[0]:<34} {t.name}")


@jobs_cli.command("relay")
@click.option("--older-than", default=0, show_default=True, help="Only rows older than N seconds.")
def jobs_relay(older_than):
    """Send outbox rows that never reached the queue (or run them, without Redis)."""
    from core.jobs.runner import relay_pending
    n = relay_pending(older_than_seconds=older_than)
    click.echo(f"relayed {n} job(s)")


@click.command("config-doc")
def config_doc():
    """Print every setting with its default and meaning (the README's table)."""
    from config import SETTINGS
    click.echo("| variable | default | meaning |\n|---|---|---|")
    for s in SETTINGS:
        default = "" if s.default in (None, "") else f"`{s.default}`"
        click.echo(f"| `{s.name}` | {default} | {s.meaning} |")


def init_app(app):
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(config_doc)
