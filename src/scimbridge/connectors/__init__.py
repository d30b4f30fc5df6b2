"""Pull sources (Google Workspace, LDAP / Active Directory, CSV): fetch, map, reconcile."""
