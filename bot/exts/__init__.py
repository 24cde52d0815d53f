"""The Discord features, one cog per module; each module ends in `async def setup(bot)`."""
