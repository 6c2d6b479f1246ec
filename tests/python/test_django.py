"""Django 5.2's PostgreSQL backend against a follower of the three-node cluster (see conftest.py): `migrate` of
the auth and contenttypes apps (foreign keys added with ALTER TABLE ... ADD CONSTRAINT ... DEFERRABLE INITIALLY
DEFERRED, ALTER COLUMN TYPE / DROP NOT NULL, DROP COLUMN, and the bulk inserts of permissions through
`INSERT ... SELECT * FROM UNNEST(...::varchar[], ...)`), a second `migrate` with nothing to do, then the ORM:
users, groups and permissions (many-to-many), read back through another node.
"""

import django
import pytest
from django.conf import settings


def follower(cluster):
    return next(i for i, r in sorted(cluster.roles().items()) if r == "Follower")


@pytest.fixture(scope="module")
def django_on(cluster):
    node = follower(cluster)
    settings.configure(
        SECRET_KEY="test",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "raftsql",
                "USER": "raftsql",
                "HOST": "127.0.0.1",
                "PORT": str(cluster.pg[node]),
            }
        },
        USE_TZ=True,
    )
    django.setup()
    return node


def test_migrate_then_orm(cluster, django_on):
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    assert ContentType.objects.count() == 4
    assert Permission.objects.count() == 16
    # Nothing left to do the second time.
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []

    group = Group.objects.create(name="editors")
    group.permissions.set(Permission.objects.filter(codename__startswith="change_"))
    user = User.objects.create_user("ada", "ada@example.com", "pw")
    user.groups.add(group)
    assert sorted(p.split(".")[1] for p in User.objects.get(username="ada").get_all_permissions()) == [
        "change_contenttype",
        "change_group",
        "change_permission",
        "change_user",
    ]
    connection.close()

    other = next(i for i in cluster.ids if i != django_on)
    with cluster.connect(other) as conn:
        rows = conn.execute(
            "SELECT u.username, g.name FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id "
            "JOIN auth_group g ON g.id = ug.group_id"
        ).fetchall()
        assert rows == [("ada", "editors")]
        # The foreign keys Django added afterwards hold.
        with pytest.raises(Exception) as e:
            conn.execute("INSERT INTO auth_user_groups (user_id, group_id) VALUES (999, 1)")
            conn.commit()
        assert getattr(e.value, "sqlstate", None) == "23503"
