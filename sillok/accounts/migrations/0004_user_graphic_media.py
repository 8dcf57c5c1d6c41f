"""Each user chooses how the photos and video of graphic items are shown (blurred by default)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_webauthn_devices_and_user_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="graphic_media",
            field=models.CharField(
                choices=[
                    ("blur", "Blurred until I reveal it"),
                    ("grayscale", "In grayscale until I reveal it"),
                    ("show", "As it is"),
                ],
                default="blur",
                max_length=16,
                verbose_name="graphic photos and video",
            ),
        ),
    ]
