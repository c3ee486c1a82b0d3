from django.db import models


class PeriodicRun(models.Model):
    """When each periodic job last ran, so several workers never double-run one."""

    name = models.CharField(max_length=100, unique=True)
    next_run = models.DateTimeField()
    last_run = models.DateTimeField(null=True, blank=True)
    last_result = models.TextField(blank=True)
