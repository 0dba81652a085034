"""bot.nlu package."""
