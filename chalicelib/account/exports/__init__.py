"""Account data export (`/users/me/exports`): the job records, the archive and the service."""
