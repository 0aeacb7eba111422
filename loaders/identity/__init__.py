"""Who is who: addresses, aliases, .mailmap, companies, MAINTAINERS."""
