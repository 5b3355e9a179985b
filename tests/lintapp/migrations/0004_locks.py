from django.db import migrations, models


class Migration(migrations.Migration):
    """Operations that hold long locks on an existing table (squawk's rules)."""

    dependencies = [("lintapp", "0003_mixed"), ("accounts", "0001_initial")]

    operations = [
        migrations.AddIndex("gadget", models.Index(fields=["size"], name="lint_gadget_size_idx")),
        migrations.AddField("gadget", "weight", models.IntegerField()),
        migrations.AlterField("gadget", "colour", models.CharField(max_length=5, null=True)),
        migrations.AddConstraint(
            "gadget",
            models.CheckConstraint(
                condition=models.Q(size__gte=0),
                name="lint_gadget_size_check_with_a_name_that_goes_on_and_on_past_63_bytes",
            ),
        ),
        migrations.AddField(
            "gadget",
            "owner",
            models.ForeignKey(
                null=True,
                db_index=False,
                on_delete=models.deletion.SET_NULL,
                to="accounts.user",
            ),
        ),
        migrations.RenameField("gadget", "size", "dimension"),
        migrations.AlterModelTable("gadget", "lint_gadget_renamed"),
    ]
