"""Server-rendered web surfaces: the admin console (``web/console``) and, beside it, the
customer setup portal (``web/portal``). Templates autoescape; assets ship in the package."""
