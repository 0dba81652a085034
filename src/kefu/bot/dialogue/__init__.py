"""bot.dialogue package."""
