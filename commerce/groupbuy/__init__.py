"""Group buying (社区团购): pickup points, group deals, joins held by manual-capture payments."""
