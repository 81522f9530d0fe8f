"""A guest's pass is void once their party changes or they no longer say yes.

Revision ID: 0018
Revises: 0017

Whatever changes it (a reply, the organiser's correction, the API), a guest's party size
changing clears their `pass_code` (`void_pass_on_party`, before the update), and their
invitation's answer leaving "confirmed" clears it too (`void_pass_on_decline`): the old code
then opens nothing at the door, and a yes gives a new pass.
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION void_pass_on_party() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.party_size IS DISTINCT FROM OLD.party_size THEN
                NEW.pass_code := NULL;
            END IF;
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE TRIGGER void_pass_on_party BEFORE UPDATE OF party_size ON guests
        FOR EACH ROW WHEN (OLD.pass_code IS NOT NULL)
        EXECUTE FUNCTION void_pass_on_party()""")
    op.execute("""
        CREATE FUNCTION void_pass_on_decline() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE guests SET pass_code = NULL WHERE id = NEW.guest_id AND pass_code IS NOT NULL;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER void_pass_on_decline AFTER UPDATE OF rsvp ON invitations
        FOR EACH ROW WHEN (NEW.kind = 'invitation' AND OLD.rsvp = 'confirmed'
                           AND NEW.rsvp IS DISTINCT FROM 'confirmed')
        EXECUTE FUNCTION void_pass_on_decline()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER void_pass_on_decline ON invitations")
    op.execute("DROP FUNCTION void_pass_on_decline()")
    op.execute("DROP TRIGGER void_pass_on_party ON guests")
    op.execute("DROP FUNCTION void_pass_on_party()")
