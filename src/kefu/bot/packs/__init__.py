"""bot.packs package."""
