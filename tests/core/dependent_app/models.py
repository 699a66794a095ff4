from django.db import models

from grappe.registry.models import Membership, Organisation, Person


class Mandate(models.Model):
    """A seat held by a person for an organisation. CASCADE on purpose: only the fold keeps it alive."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    body = models.CharField(max_length=40)
    role = models.CharField(max_length=40, blank=True)
    starts_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.role or 'membre'} du {self.body}"


class Due(models.Model):
    """A yearly due of a membership: two memberships folded into one owe one due a year, the sum of both."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    def __str__(self) -> str:
        return f"cotisation {self.year}"


class Ballot(models.Model):
    """An open ballot in a member's name: folding its organisation away would change who voted."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=80)

    def __str__(self) -> str:
        return self.title


class Listing(models.Model):
    """One directory listing per organisation: the survivor's stands for both."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text


class Programme(models.Model):
    """A partner programme and the organisations taking part (a many-to-many)."""

    name = models.CharField(max_length=80)
    participants = models.ManyToManyField(Organisation, related_name="+", blank=True)

    def __str__(self) -> str:
        return self.name
