Feature: division
  @sqlalchemy:>=2.2
  Scenario: halving
    Given a number
    When it is divided by 2
    Then there is a result
