"""The retail domain's pages: the till, the receipt, the VIP registration at the till, the stores,
and the member's own registration link (a public page)."""
import secrets
from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _

from core.extensions import db
from core.identity.forms import choices
from core.identity.permissions import requires
from core.members.models import Member
from core.members.services import MemberError
from core.points.services import PointsError, current_balance
from core.purchases.models import Purchase
from core.purchases.pricing import BasketLine
from core.purchases.services import PurchaseError
from core.tenancy.context import tenant_context
from core.web.domain import domain_blueprints
from domains.retail import services
from domains.retail.forms import (OnlineRegistrationForm, StoreForm, StoreStaffForm, TillForm,
                                  VipRegistrationForm)
from domains.retail.models import RetailStore, RetailStoreStaff

web, api = domain_blueprints("retail", __name__, "retail/landing.html")
public = Blueprint("retail_public", __name__, template_folder="templates")

TILL = services.TILL_POSITIONS


def _lines(form: TillForm) -> list[BasketLine]:
    out = []
    for entry in form.lines:
        f = entry.form
        if f.price.data is None and not (f.sku.data or "").strip():
            continue  # an empty row of the basket
        if f.price.data is None:
            f.price.errors = list(f.price.errors) + [_("Enter the price.")]
            raise services.RetailError("lines", _("Enter the price."))
        sku = (f.sku.data or "").strip() or _("Item")
        out.append(BasketLine(sku=sku[:64], description=sku[:200],
                              unit_price_fen=int((Decimal(f.price.data) * 100).to_integral_value()),
                              quantity=f.quantity.data or 1, price_type=f.price_type.data or "regular",
                              category=(f.category.data or "").strip().lower(), size=(f.size.data or "").strip().lower(),
                              colour=(f.colour.data or "").strip().lower()))
    if not out:
        form.lines[0].form.price.errors = list(form.lines[0].form.price.errors) + [_("Add at least one item.")]
        raise services.RetailError("lines", _("Add at least one item."))
    return out


def _till_page(form, member=None, found=(), how=None, q="", result=None, tier=None, status=200):
    extra = {}
    if member is not None:
        extra = {"state": services.card_state(member), "balance": current_balance(member),
                 "birthday_uses": services.birthday_uses_this_year(member),
                 "birthday_today": services.birthday_today(member), "gifts": services.gift_catalogue(),
                 "renewal": services.renewal_offer(member), "action_key": secrets.token_hex(8)}
    return render_template("retail/till.html", form=form, member=member, found=found, how=how, q=q,
                           result=result, tier=tier, **extra), status


def _new_form(store_id=None) -> TillForm:
    form = TillForm(formdata=None, data={"receipt_no": f"R{secrets.token_hex(6).upper()}"})
    form.store_id.choices = choices([(s.id, f"{s.code} {s.name}") for s in services.stores_for(g.principal)])
    if store_id:
        form.store_id.data = store_id
    return form


@web.get("/till")
@requires("staff", positions=TILL)
def till():
    """The cashier's screen: find the customer (card, phone, name, birthday), then the basket."""
    store_id = request.args.get("store_id", type=int)
    form = _new_form(store_id)
    q = (request.args.get("q") or "").strip()[:80]
    member = None
    how, found = (None, [])
    if request.args.get("member_id", type=int):
        member = db.session.get(Member, request.args.get("member_id", type=int)) or abort(404)
    elif q:
        how, found = services.find_customer(q)
        if len(found) == 1:
            member = found[0]
        elif not found and q.replace("+", "").replace(" ", "").isdigit():
            form.new_phone.data = q
    if member is not None:
        form.member_id.data = str(member.id)
    return _till_page(form, member, found, how, q)


@web.post("/till")
@requires("staff", positions=TILL)
def till_post():
    """Quote the basket, or confirm it: the sale goes through the engine once by its receipt number."""
    form = TillForm()
    form.store_id.choices = choices([(s.id, f"{s.code} {s.name}") for s in services.stores_for(g.principal)])
    member = None
    if (form.member_id.data or "").isdigit():
        member = db.session.get(Member, int(form.member_id.data)) or abort(404)
    if not form.store_id.choices:
        return _till_page(form, member, status=403)  # the page says why: no store yet
    if not form.validate_on_submit():
        return _till_page(form, member, status=422)
    try:
        store = services.store_for(g.principal, form.store_id.data)
        lines = _lines(form)
        if "confirm" not in request.form:
            result, tier = services.quote(member, lines, form.id_checked.data)
            return _till_page(form, member, result=result, tier=tier)
        if member is None and (form.new_phone.data or "").strip():
            member = services.new_customer(g.principal, phone=form.new_phone.data, name=form.new_name.data)
        purchase, _created, qualified = services.sell(
            g.principal, g.principal, store, external_id=form.receipt_no.data or "", member=member, lines=lines,
            id_checked=form.id_checked.data)
    except (services.RetailError, PurchaseError, MemberError) as e:
        db.session.rollback()
        target = {"phone": form.new_phone, "store_id": form.store_id}.get(e.field)
        if target is not None:
            target.errors = list(target.errors) + [e.message]
        elif e.field != "lines":
            flash(e.message, "error")
        return _till_page(form, member, status=e.status if e.status != 422 or target is None else 422)
    db.session.commit()
    return redirect(url_for("retail.receipt", purchase_id=purchase.id, qualified=int(qualified) or None))


def _back_to_till(member: Member):
    return redirect(url_for("retail.till", member_id=member.id, store_id=request.form.get("store_id", type=int)))


@web.post("/till/members/<int:member_id>/gifts")
@requires("staff", positions=TILL)
def redeem_gift(member_id):
    """A gift for points at the till: refused, with the reason shown, when the points do not reach."""
    member = db.session.get(Member, member_id) or abort(404)
    reward_id, key = request.form.get("reward_id", type=int), (request.form.get("key") or "")[:40]
    if not reward_id or not key:
        flash(_("Choose a gift."), "error")
        return _back_to_till(member)
    try:
        entry = services.redeem_gift(g.principal, member, reward_id, key)
    except PointsError as e:
        db.session.rollback()
        flash(e.message, "error")
        return _back_to_till(member)
    db.session.commit()
    flash(_("Gift handed over: %(points)s points used.", points=-entry.points))
    return _back_to_till(member)


@web.post("/till/members/<int:member_id>/renewal")
@requires("staff", positions=TILL)
def renew_card(member_id):
    member = db.session.get(Member, member_id) or abort(404)
    try:
        card = services.renew(g.principal, member)
    except (services.RetailError, MemberError) as e:
        db.session.rollback()
        flash(e.message, "error")
        return _back_to_till(member)
    db.session.commit()
    flash(_("Card %(number)s renewed until %(date)s.", number=card.number,
            date=format_date(card.valid_until - timedelta(seconds=1), "long")))
    return _back_to_till(member)


@web.get("/till/receipts/<int:purchase_id>")
@requires("staff", positions=TILL)
def receipt(purchase_id):
    """The printable receipt (80 mm): card, lines, discounts, points earned and balance, signature."""
    purchase = db.session.get(Purchase, purchase_id) or abort(404)
    sale = services.sale_of(purchase.id)
    store = db.session.get(RetailStore, sale.store_id) if sale else None
    member = db.session.get(Member, purchase.member_id) if purchase.member_id else None
    return render_template("retail/receipt.html", purchase=purchase, sale=sale, store=store, member=member,
                           card=db.session.get(services.Card, purchase.card_id) if purchase.card_id else None,
                           balance=current_balance(member) if member else None,
                           state=services.card_state(member) if member else None,
                           qualified=request.args.get("qualified") == "1")


@web.route("/till/members/<int:member_id>/vip", methods=["GET", "POST"])
@requires("staff", positions=TILL)
def vip_registration(member_id):
    """The VIP registration form at the till: the card, the welcome gift and handbook, the link."""
    member = db.session.get(Member, member_id) or abort(404)
    form = VipRegistrationForm(data=None if request.method == "POST" else {
        "name": member.name, "phone": member.phone, "birthday": member.birthday, "gender": member.gender})
    link, status = None, 200
    if form.validate_on_submit():
        try:
            store = services.store_for(g.principal, request.args.get("store_id", type=int))
            registration, raw = services.register_vip(
                g.principal, store, member, card_number=form.card_number.data,
                profile={"name": form.name.data, "phone": form.phone.data, "birthday": form.birthday.data,
                         "gender": form.gender.data, "id_number": form.id_number.data},
                welcome_gift=form.welcome_gift.data, handbook=form.handbook.data)
        except (services.RetailError, MemberError) as e:
            db.session.rollback()
            target = getattr(form, {"number": "card_number"}.get(e.field, e.field), None)
            if target is None:
                flash(e.message, "error")
            else:
                target.errors = list(target.errors) + [e.message]
            status = 422
        else:
            db.session.commit()
            link = url_for("retail_public.join", token=raw, _external=True)
            return render_template("retail/vip_registered.html", member=member, registration=registration,
                                   link=link)
    elif request.method == "POST":
        status = 422
    return render_template("retail/vip_registration.html", form=form, member=member,
                           state=services.card_state(member)), status


@web.get("/manager")
@requires("staff", positions=("retail.store_manager",))
def manager():
    """The store manager's day: sales by VIP and non-VIP, follow-up calls due, VIPs without a card,
    registration deadlines near, dormant members, A/B/C classes."""
    stores = services.stores_for(g.principal)
    return render_template("retail/manager.html", sales=services.today_sales(stores),
                           follow_ups=services.follow_ups_due(), no_card=services.qualified_without_card(),
                           deadlines=services.deadlines_soon(), dormant=services.dormant_members(),
                           classes=services.abc_classes(), renewals=services.renewals_due())


@web.route("/stores", methods=["GET", "POST"])
@requires("admin")
def stores():
    form, staff_form = StoreForm(), StoreStaffForm()
    from core.identity.models import Membership
    memberships = db.session.scalars(db.select(Membership).where(Membership.active.is_(True))).all()
    staff_form.membership_id.choices = choices([(m.id, m.user.name) for m in memberships])
    status = 200
    if request.method == "POST" and "create" in request.form:
        if form.validate_on_submit():
            try:
                services.create_store(g.principal, code=form.code.data, name=form.name.data, address=form.address.data)
            except services.RetailError as e:
                db.session.rollback()
                getattr(form, e.field).errors.append(e.message)
                status = 422
            else:
                db.session.commit()
                flash(_("Store added."))
                return redirect(url_for("retail.stores"))
        else:
            status = 422
    all_stores = db.session.scalars(db.select(RetailStore).order_by(RetailStore.code)).all()
    links = db.session.scalars(db.select(RetailStoreStaff)).all()
    names = {m.id: m.user.name for m in memberships}
    staff_of = {s.id: [names.get(link.membership_id, "?") for link in links if link.store_id == s.id]
                for s in all_stores}
    return render_template("retail/stores.html", form=form, staff_form=staff_form, stores=all_stores,
                           staff_of=staff_of), status


@web.post("/stores/<int:store_id>/staff")
@requires("admin")
def store_staff(store_id):
    store = db.session.get(RetailStore, store_id) or abort(404)
    form = StoreStaffForm()
    if not form.validate_on_submit() or not form.membership_id.data:
        flash(_("Choose a staff member."), "error")
        return redirect(url_for("retail.stores"))
    try:
        services.assign_staff(g.principal, store, form.membership_id.data)
    except services.RetailError as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("retail.stores"))
    db.session.commit()
    return redirect(url_for("retail.stores"))


# ---- the member's own registration link (public, mobile, the tenant's language) -----------------

@public.route("/join/<token>", methods=["GET", "POST"])
def join(token):
    registration = services.registration_for_token(token)
    if registration is None:
        abort(404)
    from core.tenancy.models import Tenant
    with tenant_context(registration.tenant_id):
        g.public_tenant = db.session.get(Tenant, registration.tenant_id)
        if g.public_tenant is None or g.public_tenant.status != "active" or not g.public_tenant.has_domain("retail"):
            abort(404)
        member = db.session.get(Member, registration.member_id)
        form = OnlineRegistrationForm()
        status, done = 200, registration.registered_at is not None
        if not done and form.validate_on_submit():
            try:
                services.complete_online_registration(registration, email=form.email.data,
                                                      contact_channel=form.contact_channel.data,
                                                      promotions_consent=form.promotions_consent.data)
            except MemberError as e:
                db.session.rollback()
                target = getattr(form, e.field, None)
                if target is None:
                    flash(e.message, "error")
                else:
                    target.errors = list(target.errors) + [e.message]
                status = 409 if e.field == "registration" else 422
            else:
                db.session.commit()
                done = True
        elif request.method == "POST" and not done:
            status = 422
        from core.models import utcnow
        return render_template("retail/join.html", form=form, member=member, registration=registration,
                               done=done, expired=not done and utcnow() >= registration.deadline), status
