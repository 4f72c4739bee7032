@cascades
Feature: The cascade_backrefs switch
  SQLAlchemy 1.4 let a relationship turn the reverse cascade along its backref off with
  cascade_backrefs=False, and warned about the default in its 2.0 deprecation mode. 2.0 made False the only
  behaviour: the parameter still exists so that mappings written for 1.4 keep working, but True is refused.

  Rule: Before 2.0 both values are accepted

    @sqlalchemy:<2.0
    Scenario: Before 2.0, cascade_backrefs=True is accepted
      When a mapping declares relationship(..., cascade_backrefs=True)
      Then the mapping is accepted

  Rule: Since 2.0 only False is accepted

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, cascade_backrefs=True is refused
      When a mapping declares relationship(..., cascade_backrefs=True)
      Then the mapping is refused: "The 'cascade_backrefs' parameter passed to relationship() may only be set to False."

    Scenario: cascade_backrefs=False is accepted on every version
      When a mapping declares relationship(..., cascade_backrefs=False)
      Then the mapping is accepted
