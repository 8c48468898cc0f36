"""The API plumbing every domain's endpoints share, above kit, access and auth."""
