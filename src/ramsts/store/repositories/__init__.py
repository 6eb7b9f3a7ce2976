"""One repository per aggregate; each wraps the connection of one transaction."""
