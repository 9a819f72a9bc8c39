"""``flask billing sync``: make Stripe's Products and Prices match the configured plans."""
import click
from flask.cli import AppGroup

billing_cli = AppGroup("billing", help="Plans and Stripe.")


@billing_cli.command("sync")
def sync():
    """Create or update a Stripe Product per plan and a Price per interval. Safe to re-run."""
    import stripe

    from core.billing.plans import PlanConfigError
    from core.billing.services import sync_plans
    from core.billing.stripe_client import configured
    if not configured():
        raise click.ClickException("STRIPE_SECRET_KEY is not set: billing is off, nothing to sync.")
    try:
        done = sync_plans()
    except PlanConfigError as exc:
        raise click.ClickException(f"BILLING_PLANS: {exc}") from None
    except stripe.StripeError as exc:
        raise click.ClickException(f"Stripe refused: {exc.user_message or exc}") from None
    for line in done:
        click.echo(line)
    click.echo(f"{len(done)} change(s); Stripe matches the plans." if done else "Stripe already matches the plans.")
