"""The back office's shown-only admins (``grappe.core.admin.ReadOnlyMixin``): rows that the services write,
checked and audited, cannot be added by hand there, even by a superuser."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "startups_startupproject",
        "startups_stagechange",
        "startups_application",
        "startups_remindersent",
        "mergers_merger",
        "mergers_candidatepair",
        "mergers_pairdecision",
        "mergers_auditentry",
        "mergers_mergerjob",
        "finance_due",
        "finance_document",
        "registry_staffassignment",
        "registry_savedfilter",
    ],
)
def test_a_shown_only_model_cannot_be_added_in_the_admin(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403
