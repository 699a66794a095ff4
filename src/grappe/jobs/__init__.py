"""Background work, one home for every app: long steps started from a page (an import, a merger plan) run on a
task queue by a worker process, with a progress file the pages poll, retries of transient failures and
scheduled tasks.

- ``progress``: the progress file of a step (``ProgressFile``), what the pages read and how a busy step is told
  from an interrupted one, and the fragment the pages poll (``polled_fragment``);
- ``queue``: ``start_step`` (now, or queued), ``run_step`` (the task a queued step runs in), ``will_retry`` and
  ``is_transient`` (retries), ``schedule`` (a task at a time or after a delay);
- ``worker``: ``run_worker``, what ``grappe worker`` runs, and the daily housekeeping task;
- ``priority``: ``yield_to_requests``, the lower priority the worker and the long commands run at.

A step is one transaction: a worker killed in the middle leaves nothing half-written, its progress file names a
dead process, and the job is started again from its page.
"""

from grappe.jobs.progress import JobBusy, ProgressCallback, ProgressFile, polled_fragment
from grappe.jobs.queue import is_transient, schedule, start_step, will_retry

__all__ = [
    "JobBusy",
    "ProgressCallback",
    "ProgressFile",
    "is_transient",
    "polled_fragment",
    "schedule",
    "start_step",
    "will_retry",
]
